package web

import (
	"bytes"
	"context"
	"fmt"
	"html/template"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/pscp/booktraining/views"
)

// The public catalogue pages (the course list, a search on it, a course
// page) are what most visitors ask for and what changes least, so they are
// rendered once and served from memory until something they show changes:
//
//   - the catalogue itself (courses, sessions, venues, prices...): the
//     database announces each change when it commits (migration 00041) and
//     the catalogue service, listening, moves its stamp (catalogue.Stamp);
//     a manager's change through this process moves it at once
//     (catalogueChangedHere), before the announcement arrives;
//   - the clock: a page is kept only until its first session starts or its
//     booking cut-off or caps' release passes (catalogue.ListChangesAt,
//     SessionsChangeAt);
//   - places left, which every booking changes: read apart, with one
//     indexed query, when the page's figures are more than a second old,
//     and the page rendered again only if one of them moved.
//
// What is cached is the page's own part (its "beforeContent" and "main"
// blocks), which shows nothing of who is asking, and, for visitors not
// signed in, the whole page. For a signed-in person the layout (their
// navigation, their CSRF token) is rendered for each request around the
// cached part, so nothing of theirs is ever kept or shown to another. While
// the catalogue service cannot vouch for its stamp (its listening connection
// is lost), every request reads and renders afresh, as if nothing were
// cached.

// placesMaxAge is how old a cached page's places-left figures may be.
const placesMaxAge = time.Second

// maxCachedPages bounds the cache, and so its memory (a page and its parts
// are about 64 KB): a search is one page per query typed, and a course page
// one per agency.
const maxCachedPages = 256

// publicPage is a catalogue page's data, as the cache keeps it.
type publicPage interface {
	// places are the places left the page shows, by session.
	places() map[int64]int
	// withPlaces is a copy of the page showing places.
	withPlaces(places map[int64]int) publicPage
	// changesAt is when the page next changes by time alone (zero: never).
	changesAt() time.Time
}

// pageParts is a page's own part, rendered, for the layout to wrap.
type pageParts struct {
	Before, Main template.HTML
}

// pageSnapshot is one rendering of a page; never changed once stored.
type pageSnapshot struct {
	stamp    uint64    // the catalogue's stamp read before the page was
	until    time.Time // the app's clock: kept until then (zero: no limit)
	placesAt time.Time // time.Now when its places were read
	title    string
	page     publicPage
	places   map[int64]int
	parts    pageParts
	whole    []byte // the page with the layout of a visitor not signed in
}

type cacheEntry struct {
	mu   sync.Mutex // held while one request refreshes the entry
	snap atomic.Pointer[pageSnapshot]
}

type pageCache struct {
	mu      sync.Mutex
	entries map[string]*cacheEntry
	layout  *template.Template // the layout around a page's cached parts
}

func newPageCache() (*pageCache, error) {
	t, err := template.New("").Funcs(templateFuncs).Funcs(kitFuncs).ParseFS(views.FS, "layouts/*.html")
	if err != nil {
		return nil, fmt.Errorf("parse layout: %w", err)
	}
	if _, err := t.Parse(`{{define "beforeContent"}}{{.Data.Before}}{{end}}{{define "main"}}{{.Data.Main}}{{end}}`); err != nil {
		return nil, fmt.Errorf("parse cached page: %w", err)
	}
	return &pageCache{entries: map[string]*cacheEntry{}, layout: t}, nil
}

func (pc *pageCache) entry(key string) *cacheEntry {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	e, ok := pc.entries[key]
	if !ok {
		if len(pc.entries) >= maxCachedPages {
			for k := range pc.entries { // any one: map order is random
				delete(pc.entries, k)
				break
			}
		}
		e = &cacheEntry{}
		pc.entries[key] = e
	}
	return e
}

// fresh reports whether s can be served as it is.
func (a *app) fresh(s *pageSnapshot, stamp uint64) bool {
	return s != nil && s.stamp == stamp &&
		(s.until.IsZero() || a.deps.Now().Before(s.until)) &&
		time.Since(s.placesAt) < placesMaxAge
}

// servePublic serves the catalogue page name from the cache, under key
// (what the page depends on besides the catalogue: the filter, the
// viewer's agency), building it with load when the cache has no fresh copy.
func (a *app) servePublic(c *fiber.Ctx, key, name string, load func(context.Context) (string, publicPage, error)) error {
	ctx := c.UserContext()
	stamp, ok := a.deps.Catalogue.Stamp()
	if !ok {
		title, page, err := load(ctx)
		if err != nil {
			return err
		}
		return a.render(c, fiber.StatusOK, name, title, page)
	}
	// Each partnership's pages carry its name: kept apart.
	p := a.partnershipOf(c)
	e := a.publicPages.entry(strconv.FormatInt(p.ID, 10) + "\x00" + c.Path() + "\x00" + name + "\x00" + key)
	s := e.snap.Load()
	if !a.fresh(s, stamp) {
		e.mu.Lock()
		s = e.snap.Load()
		if !a.fresh(s, stamp) {
			var err error
			if s, err = a.refresh(ctx, p.Name, c.Path(), name, s, stamp, load); err != nil {
				e.mu.Unlock()
				return err
			}
			e.snap.Store(s)
		}
		e.mu.Unlock()
	}
	if pageRendered != nil {
		pageRendered(name)
	}
	c.Status(fiber.StatusOK)
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	u := currentUser(c)
	if u == nil {
		// Not copied: a snapshot is never changed once stored.
		c.Response().SetBodyRaw(s.whole)
		return nil
	}
	v := view{Title: s.title, Service: ServiceName, Partnership: p.Name, Path: c.Path(), User: u, Data: s.parts}
	if l := currentLogin(c); l != nil {
		v.CSRF = l.CSRF
	}
	buf := bytes.NewBuffer(make([]byte, 0, len(s.whole)+1024))
	if err := a.publicPages.layout.ExecuteTemplate(buf, "layout", v); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	return c.Send(buf.Bytes())
}

// refresh makes a fresh snapshot from old: only its places read again and,
// if they moved, the page rendered again, when the catalogue has not changed
// and the clock has not passed the page's time; otherwise the page loaded
// and rendered afresh.
func (a *app) refresh(ctx context.Context, partnershipName, path, name string, old *pageSnapshot, stamp uint64, load func(context.Context) (string, publicPage, error)) (*pageSnapshot, error) {
	readAt := time.Now() // before the read: the figures are at least this fresh
	if old != nil && old.stamp == stamp && (old.until.IsZero() || a.deps.Now().Before(old.until)) {
		places, err := a.placesLeft(ctx, old.places)
		if err != nil {
			return nil, err
		}
		s := *old
		s.placesAt = readAt
		if maps.Equal(places, old.places) {
			return &s, nil
		}
		s.page, s.places = old.page.withPlaces(places), places
		return a.renderSnapshot(&s, partnershipName, path, name)
	}
	title, page, err := load(ctx)
	if err != nil {
		return nil, err
	}
	s := &pageSnapshot{stamp: stamp, until: page.changesAt(), placesAt: readAt, title: title, page: page, places: page.places()}
	return a.renderSnapshot(s, partnershipName, path, name)
}

// placesLeft reads again the places left on the sessions of shown.
func (a *app) placesLeft(ctx context.Context, shown map[int64]int) (map[int64]int, error) {
	if len(shown) == 0 {
		return shown, nil
	}
	return a.deps.Catalogue.PlacesLeft(ctx, slices.Collect(maps.Keys(shown)))
}

// renderSnapshot renders s.page into s: its own parts, and the whole page
// for a visitor not signed in.
func (a *app) renderSnapshot(s *pageSnapshot, partnershipName, path, name string) (*pageSnapshot, error) {
	t, ok, err := a.pages.lookup(name)
	if !ok {
		return nil, fmt.Errorf("render: no page %q", name)
	} else if err != nil {
		return nil, err
	}
	v := view{Title: s.title, Service: ServiceName, Partnership: partnershipName, Path: path, Data: s.page}
	var before, main strings.Builder
	if err := t.ExecuteTemplate(&before, "beforeContent", v); err != nil {
		return nil, fmt.Errorf("render %s: %w", name, err)
	}
	if err := t.ExecuteTemplate(&main, "main", v); err != nil {
		return nil, fmt.Errorf("render %s: %w", name, err)
	}
	//nolint:gosec // our own templates' escaped output
	s.parts = pageParts{Before: template.HTML(before.String()), Main: template.HTML(main.String())}
	v.Data = s.parts
	var whole bytes.Buffer
	if err := a.publicPages.layout.ExecuteTemplate(&whole, "layout", v); err != nil {
		return nil, fmt.Errorf("render %s: %w", name, err)
	}
	s.whole = whole.Bytes()
	return s, nil
}

// catalogueChangedHere moves the catalogue's stamp after every change a
// training manager makes (every other method than GET under /admin), so
// that this process's next page shows it even before the database's
// notification of it arrives. Only managers change what the catalogue pages
// show; a booking changes places left, which the pages read apart.
func (a *app) catalogueChangedHere(c *fiber.Ctx) error {
	err := c.Next()
	if m := c.Method(); m != fiber.MethodGet && m != fiber.MethodHead && strings.HasPrefix(c.Path(), "/admin/") {
		a.deps.Catalogue.Changed()
	}
	return err
}
