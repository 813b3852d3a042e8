package web

import (
	"flag"
	"fmt"
	"os"
	"slices"
	"sync"
	"testing"
)

// TestMain runs the package's tests and then, when they all ran (no -run,
// no -short) and passed, checks that every page in views/pages was rendered
// by at least one of them without a template error. A page's data is
// checked only when the page is executed, so a field misspelt in a page no
// test renders would otherwise reach people as a 500.
func TestMain(m *testing.M) {
	var mu sync.Mutex
	rendered := map[string]bool{}
	pageRendered = func(name string) {
		mu.Lock()
		rendered[name] = true
		mu.Unlock()
	}
	code := m.Run()
	if code == 0 && !testing.Short() && flag.Lookup("test.run").Value.String() == "" {
		if missing := unrendered(rendered); len(missing) > 0 {
			fmt.Fprintf(os.Stderr, "FAIL: %d page(s) in views/pages were rendered by no test: %v\n", len(missing), missing)
			code = 1
		}
	}
	os.Exit(code)
}

// unrendered lists the pages not in rendered.
func unrendered(rendered map[string]bool) []string {
	pages, err := loadPages()
	if err != nil {
		return []string{err.Error()}
	}
	var missing []string
	for name := range pages.byName {
		if !rendered[name] {
			missing = append(missing, name)
		}
	}
	slices.Sort(missing)
	return missing
}

func TestUnrenderedNamesThePagesNoTestRendered(t *testing.T) {
	t.Parallel()
	pages, err := loadPages()
	if err != nil {
		t.Fatal(err)
	}
	all := map[string]bool{}
	for name := range pages.byName {
		all[name] = true
	}
	if got := unrendered(all); len(got) != 0 {
		t.Errorf("with every page rendered, unrendered = %v", got)
	}
	delete(all, "home")
	if got := unrendered(all); !slices.Equal(got, []string{"home"}) {
		t.Errorf("with home not rendered, unrendered = %v", got)
	}
}

// A page's template set is made when the page is first shown, and once:
// a process holds the sets of the pages it shows, not of every page.
func TestPagesAreParsedWhenFirstShown(t *testing.T) {
	t.Parallel()
	pages, err := loadPages()
	if err != nil {
		t.Fatal(err)
	}
	for name, p := range pages.byName {
		if p.t != nil {
			t.Errorf("%s parsed before it was shown", name)
		}
	}
	first, ok, err := pages.lookup("home")
	if !ok || err != nil || first == nil {
		t.Fatalf("home: %v %v %v", first, ok, err)
	}
	again, _, _ := pages.lookup("home")
	if again != first {
		t.Error("home parsed twice")
	}
	if p := pages.byName["courses/index"]; p == nil || p.t != nil {
		t.Error("showing home parsed another page")
	}
	if _, ok, _ := pages.lookup("no/such/page"); ok {
		t.Error("a page that does not exist was found")
	}
}
