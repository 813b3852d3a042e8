// Package privacy owns what the service does with personal data as a whole:
// the registry through which every part of the product that stores personal
// data exports and erases its own, and the retention schedule.
//
// A column holds personal data when the schema says so:
//
//	COMMENT ON COLUMN bookings.access_needs IS 'personal: access needs the person told us';
//
// and every such column is exported and erased by exactly the parts that
// list it in their Columns (the schema test proves it).
package privacy

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Person is whose data is being exported or erased.
type Person struct {
	ID    int64
	Email string // the address before erasure (some records are kept by address)
	Name  string // the name before erasure (copies of emails and audit details that name them)
}

// Part is one part of the product that stores personal data.
type Part struct {
	// Name is the part's key in the download ("bookings", "training_requests").
	Name string
	// Columns are the "table.column" pairs marked personal that this part
	// exports and erases (or anonymises). A secret the person never sees (a
	// password hash, a feed's token) is listed by the part that erases it
	// and, by design, left out of its export.
	Columns []string
	// Export returns what the part holds about the person, as it goes into the
	// download (a value that encodes to JSON). It runs in the export's
	// repeatable-read transaction.
	Export func(ctx context.Context, tx pgx.Tx, p Person) (any, error)
	// Erase removes or anonymises what the part holds about the person, in the
	// erasure's transaction, leaving what the partnership's figures need
	// without anything that identifies them.
	Erase func(ctx context.Context, tx pgx.Tx, p Person, now time.Time) error
}

// Registry is every Part, in the order they were registered (the order of
// the download, and of erasure).
type Registry struct {
	parts []Part
}

// Register adds parts. It panics on a part without a name, an exporter or an
// eraser, or a name registered twice: that is a programming error found at
// start-up.
func (r *Registry) Register(parts ...Part) {
	for _, p := range parts {
		if p.Name == "" || p.Export == nil || p.Erase == nil {
			panic(fmt.Sprintf("privacy: part %q needs a name, an exporter and an eraser", p.Name))
		}
		for _, q := range r.parts {
			if q.Name == p.Name {
				panic(fmt.Sprintf("privacy: part %q registered twice", p.Name))
			}
		}
		r.parts = append(r.parts, p)
	}
}

// Parts returns the registered parts.
func (r *Registry) Parts() []Part {
	if r == nil {
		return nil
	}
	return append([]Part(nil), r.parts...)
}

// Columns returns, for each "table.column" some part lists, the names of the
// parts that list it.
func (r *Registry) Columns() map[string][]string {
	cols := map[string][]string{}
	for _, p := range r.Parts() {
		for _, c := range p.Columns {
			cols[c] = append(cols[c], p.Name)
		}
	}
	return cols
}

// Section is one part's share of a download.
type Section struct {
	Name string
	Data any
}

// Download is everything held about a person, as the file "Download your
// data" gives it (UK GDPR Articles 15 and 20): a note, when it was made, and
// one key per part, in the registry's order.
type Download struct {
	About     string
	CreatedAt time.Time
	Sections  []Section
}

// Section returns the data of the named part, or nil.
func (d Download) Section(name string) any {
	for _, s := range d.Sections {
		if s.Name == name {
			return s.Data
		}
	}
	return nil
}

// MarshalJSON writes one JSON object: "about", "created_at", then each part's
// key in order.
func (d Download) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	write := func(key string, v any) error {
		if b.Len() > 1 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(key)
		b.Write(k)
		b.WriteByte(':')
		val, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("%s: %w", key, err)
		}
		b.Write(val)
		return nil
	}
	if err := write("about", d.About); err != nil {
		return nil, err
	}
	if err := write("created_at", d.CreatedAt.UTC()); err != nil {
		return nil, err
	}
	for _, s := range d.Sections {
		if err := write(s.Name, s.Data); err != nil {
			return nil, err
		}
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// Export asks every part, in order, what it holds about the person, in the
// caller's (repeatable-read) transaction.
func (r *Registry) Export(ctx context.Context, tx pgx.Tx, p Person) ([]Section, error) {
	var out []Section
	for _, part := range r.Parts() {
		data, err := part.Export(ctx, tx, p)
		if err != nil {
			return nil, fmt.Errorf("export %s: %w", part.Name, err)
		}
		out = append(out, Section{Name: part.Name, Data: data})
	}
	return out, nil
}

// Erase has every part, in order, erase what it holds about the person, in
// the caller's transaction: all of it or, if one part fails, none.
func (r *Registry) Erase(ctx context.Context, tx pgx.Tx, p Person, now time.Time) error {
	for _, part := range r.Parts() {
		if err := part.Erase(ctx, tx, p, now); err != nil {
			return fmt.Errorf("erase %s: %w", part.Name, err)
		}
	}
	return nil
}
