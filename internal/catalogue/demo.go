package catalogue

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/pscp/booktraining/internal/catalogue/internal/cataloguedb"
)

// DemoCourse is one course of the demo programme.
type DemoCourse struct {
	Slug                string
	Title               string
	Summary             string
	Description         string
	LearningOutcomes    []string
	AudienceDescription string
	Audiences           []Audience
	Level               Level
	Duration            Duration
	DeliveryModes       []DeliveryMode
	DefaultCapacity     int
}

// AddDemoCourseTx adds a demo course in the caller's transaction and
// returns its id. Only internal/demo calls it, in the transaction that
// seeds an empty database with demo data, which is why nothing is audited:
// nobody did it.
func AddDemoCourseTx(ctx context.Context, tx pgx.Tx, c DemoCourse) (int64, error) {
	id, err := cataloguedb.New(tx).InsertDemoCourse(ctx, cataloguedb.InsertDemoCourseParams{
		Slug:                c.Slug,
		Title:               c.Title,
		Summary:             c.Summary,
		Description:         c.Description,
		LearningOutcomes:    c.LearningOutcomes,
		AudienceDescription: c.AudienceDescription,
		Audiences:           demoStrings(c.Audiences),
		Level:               int16(c.Level),
		Duration:            string(c.Duration),
		DeliveryModes:       demoStrings(c.DeliveryModes),
		DefaultCapacity:     int32(c.DefaultCapacity),
	})
	if err != nil {
		return 0, fmt.Errorf("demo course %q: %w", c.Slug, err)
	}
	return id, nil
}

func demoStrings[T ~string](in []T) []string {
	out := make([]string, 0, len(in))
	for _, v := range in {
		out = append(out, string(v))
	}
	return out
}
