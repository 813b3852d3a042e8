package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pscp/booktraining/internal/audit/internal/auditdb"
	"github.com/pscp/booktraining/internal/privacy"
)

// PersonalData is the audit log's part of the privacy registry: the events
// the person did or that were done to their account. Erasure keeps each
// event (who is now "Deleted person", what, when) for the log's purpose, but
// not from where, nor any detail that names them.
func PersonalData() []privacy.Part {
	return []privacy.Part{{
		Name:    "audit_events",
		Columns: []string{"audit_events.actor_email", "audit_events.details", "audit_events.ip"},
		Export:  exportEvents,
		Erase:   eraseEvents,
	}}
}

// PersonalEvent is an audit log entry the person did, or that was done to
// their account. IP is left out of an entry someone else did.
type PersonalEvent struct {
	At      time.Time       `json:"at"`
	Action  string          `json:"action"`
	ByYou   bool            `json:"by_you"`
	IP      string          `json:"ip,omitempty"`
	Agency  string          `json:"agency,omitempty"`
	Details json.RawMessage `json:"details"`
}

func exportEvents(ctx context.Context, tx pgx.Tx, p privacy.Person) (any, error) {
	rows, err := auditdb.New(tx).ExportAuditEvents(ctx, auditdb.ExportAuditEventsParams{UserID: p.ID, Email: p.Email})
	if err != nil {
		return nil, err
	}
	out := []PersonalEvent{}
	for _, r := range rows {
		details := json.RawMessage(r.Details)
		if !json.Valid(details) {
			details = json.RawMessage("{}")
		}
		out = append(out, PersonalEvent{
			At: r.At.UTC(), Action: r.Action, ByYou: r.ByYou, IP: r.Ip, Agency: r.AgencyName, Details: details,
		})
	}
	return out, nil
}

// theirKeys are details that, in an event by or about the person, hold
// what they typed or why something was done to them.
var theirKeys = []string{"unlisted_organisation", "organisation", "from", "to", "reason"}

// namingKeys are removed from any object of details that names the person
// (a charge decision lists each person with the reason they were let off).
var namingKeys = []string{"person", "name", "email", "reason", "note", "organisation", "unlisted_organisation"}

func eraseEvents(ctx context.Context, tx pgx.Tx, p privacy.Person, _ time.Time) error {
	q := auditdb.New(tx)
	rows, err := q.AuditEventsMentioning(ctx, auditdb.AuditEventsMentioningParams{UserID: p.ID, Email: p.Email, Name: p.Name})
	if err != nil {
		return err
	}
	mentions := func(s string) bool {
		s = strings.ToLower(s)
		return (p.Email != "" && strings.Contains(s, strings.ToLower(p.Email))) ||
			(len([]rune(p.Name)) >= 3 && strings.Contains(s, strings.ToLower(p.Name)))
	}
	for _, r := range rows {
		var d any
		if err := json.Unmarshal(r.Details, &d); err != nil {
			return fmt.Errorf("details of audit event %d: %w", r.ID, err)
		}
		if m, ok := d.(map[string]any); ok && r.Theirs {
			for _, k := range theirKeys {
				delete(m, k)
			}
		}
		b, err := json.Marshal(scrub(d, mentions))
		if err != nil {
			return err
		}
		if err := q.SetAuditDetails(ctx, auditdb.SetAuditDetailsParams{Details: b, ID: r.ID}); err != nil {
			return err
		}
	}
	if err := q.ForgetAuditIPs(ctx, auditdb.ForgetAuditIPsParams{UserID: &p.ID, Email: p.Email}); err != nil {
		return err
	}
	erased := fmt.Sprintf("deleted-%d@deleted.invalid", p.ID)
	return q.AnonymiseAuditActorEmail(ctx, auditdb.AnonymiseAuditActorEmailParams{ErasedAddress: erased, Email: p.Email})
}

// scrub replaces every string that names the person with "(removed)", and
// drops the naming keys of any object that names them.
func scrub(v any, mentions func(string) bool) any {
	switch t := v.(type) {
	case map[string]any:
		named := false
		for _, x := range t {
			if s, ok := x.(string); ok && mentions(s) {
				named = true
			}
		}
		if named {
			for _, k := range namingKeys {
				delete(t, k)
			}
		}
		for k, x := range t {
			t[k] = scrub(x, mentions)
		}
		return t
	case []any:
		for i, x := range t {
			t[i] = scrub(x, mentions)
		}
		return t
	case string:
		if mentions(t) {
			return "(removed)"
		}
		return t
	default:
		return v
	}
}
