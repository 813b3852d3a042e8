package email

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/pscp/booktraining/internal/queue"
)

// Describers tells the Needs attention page what a failed email job was
// doing: the email's subject and recipient, and the manager's page of that
// email.
func Describers(pool *pgxpool.Pool) map[string]queue.Describe {
	return map[string]queue.Describe{
		DeliverArgs{}.Kind(): func(ctx context.Context, raw []byte) (queue.Subject, error) {
			var args DeliverArgs
			if err := json.Unmarshal(raw, &args); err != nil {
				return queue.Subject{}, fmt.Errorf("email job args: %w", err)
			}
			m, err := Get(ctx, pool, args.EmailID)
			if err != nil {
				return queue.Subject{}, err
			}
			s := queue.Subject{
				What: "Email “" + m.Subject + "”",
				Who:  m.To,
				Link: "/admin/emails/" + strconv.FormatInt(m.ID, 10),
			}
			if m.ToName != "" {
				s.Who = m.ToName + " (" + m.To + ")"
			}
			if m.Failed() {
				s.NoRetry = "This email was given up on and its text deleted, so it cannot be sent again: " +
					"contact them another way, or do again what sent it."
			}
			return s, nil
		},
	}
}
