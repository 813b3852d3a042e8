package catalogue

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/pscp/booktraining/internal/catalogue/internal/cataloguedb"
	"github.com/pscp/booktraining/internal/scope"
)

// The courses list shows how many sessions of each course are still to
// come. Counting them reads every one, a hundred times as many in a
// hundredfold partnership (issue 21), while the answer changes only when
// the catalogue does (a session added, moved, cancelled or removed: each
// moves the stamp, Stamp) or when the first of them starts. So the counts
// are kept for each partnership, and read again only then; while nobody
// listens for changes made by other processes, for at most a second.

// upcomingMaxAge is how long counts are kept while this process does not
// hear other processes' changes (Stamp's ok false).
const upcomingMaxAge = time.Second

// upcomingCounts is what was counted for one partnership.
type upcomingCounts struct {
	stamp   uint64
	courses []int64       // the courses counted, in the list's order
	counts  map[int64]int // sessions to come, by course; none when absent
	until   time.Time     // when the first of them starts: the counts change then
	read    time.Time     // when they were read, by the wall clock
}

// upcomingCache holds the counts of each partnership's managers' lists.
type upcomingCache struct {
	mu   sync.Mutex
	kept map[int64]upcomingCounts // by the partnership in scope
}

// upcomingSessions is how many sessions of each of courses are still to
// come, as the scope of ctx shows them: kept for a manager's partnership
// until the catalogue changes or the first of them starts.
func (s *Service) upcomingSessions(ctx context.Context, q *cataloguedb.Queries, courses []int64) (map[int64]int, error) {
	now := s.now()
	partnership, managing := scope.ManagingFrom(ctx)
	stamp, listening := s.Stamp() // before reading, so a change made meanwhile is read again
	if managing {
		s.upcoming.mu.Lock()
		kept, ok := s.upcoming.kept[partnership]
		s.upcoming.mu.Unlock()
		if ok && kept.stamp == stamp && now.Before(kept.until) && slices.Equal(kept.courses, courses) &&
			(listening || time.Since(kept.read) < upcomingMaxAge) {
			return kept.counts, nil
		}
	}
	read := time.Now()
	rows, err := q.CountUpcomingSessions(ctx, cataloguedb.CountUpcomingSessionsParams{CourseIds: courses, Now: now})
	if err != nil {
		return nil, fmt.Errorf("count upcoming sessions: %w", err)
	}
	counts := make(map[int64]int, len(rows))
	until := time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC) // none to come: until the catalogue changes
	for _, r := range rows {
		counts[r.CourseID] = int(r.Sessions)
		if r.FirstStartsAt.Before(until) {
			until = r.FirstStartsAt
		}
	}
	if managing {
		s.upcoming.mu.Lock()
		if s.upcoming.kept == nil {
			s.upcoming.kept = map[int64]upcomingCounts{}
		}
		s.upcoming.kept[partnership] = upcomingCounts{stamp: stamp, courses: courses, counts: counts, until: until, read: read}
		s.upcoming.mu.Unlock()
	}
	return counts, nil
}
