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
	for name := range pages {
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
	for name := range pages {
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
