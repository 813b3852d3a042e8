package trainingrequest_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/account"
	"github.com/pscp/booktraining/internal/trainingrequest"
)

// Many copies of one form sent at once make one request and one email, and
// all of them answer with its ID.
func TestSameFormSentTwiceMakesOneRequest(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	form := trainingrequest.Form{
		Kind: "bespoke", Topic: "Safeguarding at the front desk", Need: "Passing on concerns", Audience: "Receptionists",
		Participants: "40", Location: trainingrequest.Online, ContactName: "Lead", ContactEmail: "someone-else@example.org",
		Dates:   []trainingrequest.DateInput{{Day: "10", Month: "2", Year: "2027", Start: "9:30", End: "12:30"}},
		FormKey: trainingrequest.NewFormKey(),
	}
	ids := make([]int64, 8)
	var wg sync.WaitGroup
	for i := range ids {
		wg.Go(func() {
			id, err := f.svc.Submit(as(ctx, f.lead), form)
			assert.NoError(t, err)
			ids[i] = id
		})
	}
	wg.Wait()
	for _, id := range ids {
		assert.Equal(t, ids[0], id)
	}
	var requests, emails int
	require.NoError(t, f.pool.QueryRow(ctx, "SELECT count(*) FROM enquiries").Scan(&requests))
	require.NoError(t, f.pool.QueryRow(ctx, "SELECT count(*) FROM emails WHERE to_address = 'someone-else@example.org'").Scan(&emails))
	assert.Equal(t, 1, requests)
	assert.Equal(t, 1, emails)

	// Another person's form with the same key is their own request.
	other := form
	other.ContactEmail = "other@example.org"
	id, err := f.svc.Submit(as(ctx, f.other), other)
	require.NoError(t, err)
	assert.NotEqual(t, ids[0], id)
}

// A person can make the service write to an address they typed only so
// often: requests and messages share one hourly limit.
func TestRequestsAndMessagesAreLimitedPerPerson(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	id := f.bespoke(t)
	for range account.MaxRequestMessagesPerPerson - 1 {
		require.NoError(t, f.svc.Post(as(ctx, f.lead), id, "Any news?"))
	}
	var limit *account.EmailLimitError
	err := f.svc.Post(as(ctx, f.lead), id, "Any news?")
	require.True(t, errors.As(err, &limit), "got %v", err)
	_, err = f.svc.Submit(as(ctx, f.lead), trainingrequest.Form{
		Kind: "bespoke", Topic: "More", Need: "More", Audience: "Receptionists", Participants: "4", Location: trainingrequest.Online,
		ContactName: "Lead", ContactEmail: "lead@example.org", Dates: []trainingrequest.DateInput{{Day: "11", Month: "2", Year: "2027", Start: "9:30", End: "12:30"}},
	})
	require.True(t, errors.As(err, &limit), "got %v", err)
	var requests int
	require.NoError(t, f.pool.QueryRow(ctx, "SELECT count(*) FROM enquiries").Scan(&requests))
	assert.Equal(t, 1, requests, "nothing is saved past the limit")
	require.NoError(t, f.svc.Team().Post(as(ctx, f.boss), id, "Soon."), "the training team is not limited")
}
