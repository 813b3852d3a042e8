package web_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkCoursesPage measures the whole course list request: query,
// template and middleware, through the real app.
func BenchmarkCoursesPage(b *testing.B) {
	a := setup(b).app
	b.ReportAllocs()
	for b.Loop() {
		resp, err := a.Test(httptest.NewRequest(http.MethodGet, "/courses?level=2", nil), -1)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("status %d", resp.StatusCode)
		}
	}
}
