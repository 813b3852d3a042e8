package catalogue

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/audit"
	"github.com/pscp/booktraining/internal/catalogue/internal/cataloguedb"
)

// Bespoke is what an agency asked for in a request for bespoke training,
// from which the course its sessions belong to is made.
type Bespoke struct {
	Slug         string // unique to the request, such as bespoke-42
	Topic        string // the course's title
	Need         string // the description; its first line is the summary
	Audience     string // who the training is for, in the agency's words
	Participants int    // how many people: the default places, from 1 to MaxDefaultCapacity
}

// maxBespokeSummary bounds the summary taken from the first line of the need.
const maxBespokeSummary = 300

// CreateBespokeTx makes the hidden course of a bespoke request in the
// caller's transaction, so that it is kept only if the request's session is
// scheduled in it, and audits it (course_created) as done by the actor in ctx.
// It is a level 1, full-day course for practitioners, deliverable in person
// or online, and is never listed in the catalogue. The request's own text
// was checked when it was made; a slug already used is an error
// (courses_slug_key).
func CreateBespokeTx(ctx context.Context, tx pgx.Tx, b Bespoke, now time.Time) (int64, error) {
	a := actor.From(ctx)
	q := cataloguedb.New(tx)
	summary, _, _ := strings.Cut(b.Need, "\n")
	if r := []rune(summary); len(r) > maxBespokeSummary {
		summary = string(r[:maxBespokeSummary])
	}
	id, err := q.CreateBespokeCourse(ctx, cataloguedb.CreateBespokeCourseParams{
		Slug: b.Slug, Title: b.Topic, Summary: summary, Description: b.Need, LearningOutcomes: []string{summary},
		AudienceDescription: b.Audience, Audiences: strs([]Audience{AudiencePractitioners}), Level: int16(Level1),
		Duration: string(FullDay), DeliveryModes: strs(DeliveryModes),
		DefaultCapacity: int32(min(max(b.Participants, 1), MaxDefaultCapacity)), Now: now,
	})
	if err != nil {
		return 0, fmt.Errorf("create bespoke course %q: %w", b.Slug, err)
	}
	return id, audit.RecordTx(ctx, tx, now, audit.Event{
		Action: CourseCreated, ActorID: a.IDPtr(), IP: a.IP,
		Details: map[string]any{"course_id": id, "slug": b.Slug, "title": b.Topic, "bespoke": true},
	})
}
