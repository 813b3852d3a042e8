package scheduling

import (
	"github.com/pscp/booktraining/internal/pgerr"
	"github.com/pscp/booktraining/internal/validation"
)

// TrainerWithdrawn is, when the database refused a trainer on a session
// because they no longer hold the trainer role or the approval for its
// course (another manager withdrew it after the plan was checked), the
// form's error saying so; otherwise nil.
func TrainerWithdrawn(err error) error {
	if !pgerr.Violates(err, "session_trainers_approved_for_course", "session_trainers_hold_trainer_role") {
		return nil
	}
	var v validation.Errors
	v.Add("trainers", "A trainer you chose was taken off this course or stopped being a trainer a moment ago: choose the trainers again")
	return v.Err()
}
