package scheduling

import (
	"context"
	"sync"
	"time"

	"github.com/pscp/booktraining/internal/scheduling/internal/schedulingdb"
	"github.com/pscp/booktraining/internal/scope"
)

// The programme's filter offers the partnership's courses and venues and
// the months that have sessions, read for every page of the programme,
// though they change only with the catalogue: a course, an offer of one, a
// venue, a session added, moved or removed each moves the catalogue's
// stamp (migrations 00041 and 00079). So they are kept for each
// partnership and read again only when the stamp moves; while this process
// hears no other process's changes (the stamp's ok false), for at most a
// second.

// choicesMaxAge is how long the filter's choices are kept while this
// process does not hear other processes' changes.
const choicesMaxAge = time.Second

// keptChoices is what was read for one partnership.
type keptChoices struct {
	stamp uint64
	rows  []schedulingdb.ProgrammeFilterChoicesRow // never changed once kept
	read  time.Time                                // by the wall clock
}

// choicesCache holds each partnership's programme filter choices.
type choicesCache struct {
	mu   sync.Mutex
	kept map[int64]keptChoices // by the partnership in scope
}

// filterChoices is ProgrammeFilterChoices as the scope of ctx shows it:
// kept for a manager's partnership while the catalogue's stamp stands.
// Without a stamp (CatalogueStamp unset) or a manager's scope, it is read.
func (s *Service) filterChoices(ctx context.Context, q *schedulingdb.Queries) ([]schedulingdb.ProgrammeFilterChoicesRow, error) {
	partnership, managing := scope.ManagingFrom(ctx)
	if !managing || s.CatalogueStamp == nil {
		return q.ProgrammeFilterChoices(ctx)
	}
	stamp, listening := s.CatalogueStamp() // before reading, so a change made meanwhile is read again
	s.choices.mu.Lock()
	kept, ok := s.choices.kept[partnership]
	s.choices.mu.Unlock()
	if ok && kept.stamp == stamp && (listening || time.Since(kept.read) < choicesMaxAge) {
		return kept.rows, nil
	}
	read := time.Now()
	rows, err := q.ProgrammeFilterChoices(ctx)
	if err != nil {
		return nil, err
	}
	s.choices.mu.Lock()
	if s.choices.kept == nil {
		s.choices.kept = map[int64]keptChoices{}
	}
	s.choices.kept[partnership] = keptChoices{stamp: stamp, rows: rows, read: read}
	s.choices.mu.Unlock()
	return rows, nil
}
