package catalogue_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/catalogue"
	"github.com/pscp/booktraining/internal/demo"
	"github.com/pscp/booktraining/internal/pgtest"
)

func BenchmarkListCourses(b *testing.B) {
	ctx := context.Background()
	pool := pgtest.New(b)
	_, err := demo.Seed(ctx, pool, now)
	require.NoError(b, err)
	svc := catalogue.New(pool, func() time.Time { return now })
	for _, bc := range []struct {
		name string
		f    catalogue.Filter
	}{
		{"all", catalogue.Filter{}},
		{"filtered", catalogue.Filter{Levels: []catalogue.Level{catalogue.Level2}, Modes: []catalogue.DeliveryMode{catalogue.Online}}},
		{"search", catalogue.Filter{Query: "domestic abuse"}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := svc.ListCourses(ctx, bc.f); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
