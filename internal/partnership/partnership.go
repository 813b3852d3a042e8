// Package partnership is the safeguarding children partnerships the service
// serves (issue 22): Hampshire, the Isle of Wight, Portsmouth and Southampton
// work together as HIPS, and one deployment can serve them all, each on its
// own host name. The first partnership is the deployment's own: a request for
// a host no partnership has is its, and while the service has not been told
// its details, the configuration names it (PARTNERSHIP_NAME, TRAINING_EMAIL,
// TRAINING_PHONE), so a deployment with one partnership looks as it always did.
package partnership

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/pscp/booktraining/internal/partnership/internal/partnershipdb"
)

// Partnership is one partnership, as its pages and emails name it.
type Partnership struct {
	ID        int64
	Slug      string
	Name      string // "Portsmouth Safeguarding Children Partnership"
	ShortName string // "Portsmouth"
	Host      string // its pages' host name; "" for none of its own
	Email     string // the training team's mailbox; may be ""
	Phone     string // and telephone; may be ""
	// SharesFigures: its figures are in the HIPS-wide view, which its
	// managers see with those of the others that share.
	SharesFigures bool
}

// MaxAge is how long the directory keeps what it read before it reads the
// partnerships again: they change rarely, and every request asks for one.
const MaxAge = 10 * time.Second

// Directory knows every partnership, read from the database at most every
// MaxAge, and which one a request's host name is for. It is safe for
// concurrent use.
type Directory struct {
	pool *pgxpool.Pool
	now  func() time.Time

	read  sync.Mutex // one reader at a time
	known atomic.Pointer[snapshot]
}

type snapshot struct {
	all    []Partnership
	byHost map[string]Partnership
	at     time.Time
}

// New is the directory of the partnerships in pool's database.
func New(pool *pgxpool.Pool, now func() time.Time) *Directory {
	if now == nil {
		now = time.Now
	}
	return &Directory{pool: pool, now: now}
}

// NameFirst gives the first partnership the configuration's name, mailbox
// and telephone, while the service has not been told its own (at start).
func (d *Directory) NameFirst(ctx context.Context, name, email, phone string) error {
	name = strings.TrimSpace(name)
	if name == "" {
		return errors.New("partnership: no name for the first partnership")
	}
	changed, err := partnershipdb.New(d.pool).NameFirstFromConfig(ctx, partnershipdb.NameFirstFromConfigParams{
		Name: name, Email: strings.TrimSpace(email), Phone: strings.TrimSpace(phone),
	})
	if err != nil {
		return fmt.Errorf("name the first partnership: %w", err)
	}
	if changed > 0 {
		d.known.Store(nil) // read again
	}
	return nil
}

// All is every partnership, the first (the deployment's own) first.
func (d *Directory) All(ctx context.Context) ([]Partnership, error) {
	s, err := d.snapshot(ctx)
	if err != nil {
		return nil, err
	}
	return s.all, nil
}

// First is the deployment's own partnership.
func (d *Directory) First(ctx context.Context) (Partnership, error) {
	s, err := d.snapshot(ctx)
	if err != nil {
		return Partnership{}, err
	}
	return s.all[0], nil
}

// ForHost is the partnership whose pages are served on host (a request's
// Host: a name, with or without a port, in any case), or the first when no
// partnership has that host.
func (d *Directory) ForHost(ctx context.Context, host string) (Partnership, error) {
	s, err := d.snapshot(ctx)
	if err != nil {
		return Partnership{}, err
	}
	host = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(host)), ".")
	if p, ok := s.byHost[host]; ok {
		return p, nil
	}
	if name, _, err := net.SplitHostPort(host); err == nil {
		if p, ok := s.byHost[strings.TrimSuffix(name, ".")]; ok {
			return p, nil
		}
	}
	return s.all[0], nil
}

// snapshot is what was read, read again when older than MaxAge. When the
// database cannot be read, what was read last serves on (a partnership's
// name a few seconds old is better than no page), if anything was.
func (d *Directory) snapshot(ctx context.Context) (*snapshot, error) {
	if s := d.known.Load(); s != nil && d.now().Sub(s.at) < MaxAge {
		return s, nil
	}
	d.read.Lock()
	defer d.read.Unlock()
	old := d.known.Load()
	if old != nil && d.now().Sub(old.at) < MaxAge {
		return old, nil // read while this one waited
	}
	s, err := d.load(ctx)
	if err != nil {
		if old != nil {
			return old, nil
		}
		return nil, err
	}
	d.known.Store(s)
	return s, nil
}

func (d *Directory) load(ctx context.Context) (*snapshot, error) {
	rows, err := partnershipdb.New(d.pool).ListPartnerships(ctx)
	if err != nil {
		return nil, fmt.Errorf("partnerships: %w", err)
	}
	if len(rows) == 0 {
		return nil, errors.New("partnerships: none (migration 00045 adds the first)")
	}
	s := &snapshot{all: make([]Partnership, 0, len(rows)), byHost: make(map[string]Partnership, len(rows)), at: d.now()}
	for _, r := range rows {
		p := Partnership{ID: r.ID, Slug: r.Slug, Name: r.Name, ShortName: r.ShortName, Host: r.Host, Email: r.Email,
			Phone: r.Phone, SharesFigures: r.SharesFigures}
		s.all = append(s.all, p)
		if p.Host != "" {
			s.byHost[p.Host] = p
		}
	}
	return s, nil
}
