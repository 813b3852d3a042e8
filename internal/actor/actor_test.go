package actor_test

import (
	"context"
	"testing"

	"github.com/pscp/booktraining/internal/actor"
)

func TestFromReturnsWhatWithPut(t *testing.T) {
	t.Parallel()
	if a := actor.From(context.Background()); a.SignedIn() || a.IDPtr() != nil {
		t.Errorf("an empty context has an actor: %+v", a)
	}
	agency := int64(3)
	ctx := actor.With(context.Background(), actor.Actor{ID: 9, AgencyID: &agency, Coordinator: true, IP: "192.0.2.1"})
	a := actor.From(ctx)
	if a.ID != 9 || a.IP != "192.0.2.1" || *a.IDPtr() != 9 {
		t.Errorf("From = %+v", a)
	}
	other := int64(4)
	if !a.Coordinates(&agency) || a.Coordinates(&other) || a.Coordinates(nil) {
		t.Error("Coordinates answers for the wrong agency")
	}
	if !a.InAgency(3) || a.InAgency(4) {
		t.Error("InAgency answers for the wrong agency")
	}
}
