package audit

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pscp/booktraining/internal/audit/internal/auditdb"
	"github.com/pscp/booktraining/internal/privacy"
)

// Retention is the audit log's share of the retention schedule
// (internal/privacy), by the schedule's rule key: entries go after
// privacy.AuditYears.
func Retention() map[string]privacy.Cleaner {
	return map[string]privacy.Cleaner{"audit_log": deleteOld}
}

func deleteOld(ctx context.Context, tx pgx.Tx, now time.Time, max int32) (int, error) {
	n, err := auditdb.New(tx).DeleteAuditEventsBatch(ctx, auditdb.DeleteAuditEventsBatchParams{
		Before: now.AddDate(-privacy.AuditYears, 0, 0), MaxRows: max})
	return int(n), err
}
