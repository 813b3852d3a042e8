package privacy

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pscp/booktraining/internal/london"
	"github.com/pscp/booktraining/internal/privacy/internal/privacydb"
)

// The periods of the retention schedule. Each is measured back from the
// moment the job runs; a record exactly at the limit is kept.
const (
	UnverifiedAccountPeriod = 7 * 24 * time.Hour
	UnusedAccountYears      = 3
	UnusedAccountNotice     = 30 * 24 * time.Hour
	NeedsPeriod             = 30 * 24 * time.Hour
	LineManagerMonths       = 6
	TrainingRequestYears    = 1
	EmailTextPeriod         = 30 * 24 * time.Hour
	EmailRecordYears        = 2
	SignInAttemptPeriod     = 90 * 24 * time.Hour
	EmailLimitPeriod        = 24 * time.Hour // account.EmailActionRetention
	AccountLinkPeriod       = 7 * 24 * time.Hour
	AuditYears              = 6
	// DealtWithJobPeriod is how long a background job that failed is kept
	// after a training manager marked it dealt with (Needs attention).
	DealtWithJobPeriod = 7 * 24 * time.Hour
	// CancelledJobPeriod is how long a job cancelled without an error is kept.
	CancelledJobPeriod = 24 * time.Hour
	// FinancialYears is how many whole partnership years (April to March)
	// payments, charges and bookings are kept after the year of their session.
	FinancialYears = 6
)

// Rule is one line of the retention schedule: a kind of record, how long it
// is kept and why, and what happens at the end. The privacy notice and the
// manager's retention page are rendered from these same words.
type Rule struct {
	Key     string // the rule's name in each run's counts
	Records string // what is kept
	Kept    string // for how long
	Then    string // what happens at the end
	Why     string // why that long
	// Owner is the package that applies the rule to its own records, with
	// the Cleaner it gives NewEnforcer under Key. The rules are applied in
	// the schedule's order, so charges and payments go before the bookings
	// they belong to.
	Owner string
}

// Cleaner applies one rule of the schedule: it handles, in tx, at most max
// records whose time under the rule is up at now, and says how many it
// handled (fewer than max: nothing is left for now). Each part that owns
// records the schedule covers gives a Cleaner for each of its rules
// (account.Service.Retention, email.Retention and so on), so only the owner
// deletes its records.
type Cleaner func(ctx context.Context, tx pgx.Tx, now time.Time, max int32) (int, error)

// Schedule returns the retention schedule, in the order the job applies it.
func Schedule() []Rule { return append([]Rule(nil), schedule...) }

var schedule = []Rule{
	{
		Key:     "unverified_accounts",
		Records: "Accounts whose email address was never confirmed",
		Kept:    "7 days from sign-up, or from the last confirmation link we sent",
		Then:    "The account is erased: the name, email address, job title, organisation and remembered line manager are deleted",
		Why: "A confirmation link lasts 24 hours and can be sent again. After a week the address was most likely " +
			"mistyped or is not the person's, and an account nobody can use should not keep their details.",
		Owner: "account",
	},
	{
		Key:     "unused_accounts_warned",
		Records: "Accounts nobody has signed in to for 3 years",
		Kept:    "3 years from the last sign-in (or from sign-up, for someone who never signed in)",
		Then:    "We email the person that their account will be erased in 30 days unless they sign in",
		Why: "Safeguarding training is usually renewed every 3 years, so someone who has not signed in for that " +
			"long has most likely left their role or the area. Nobody still booked on a session to come is warned.",
		Owner: "account",
	},
	{
		Key:     "unused_accounts_erased",
		Records: "Accounts still not signed in to 30 days after that warning",
		Kept:    "30 days after the warning",
		Then: "The account is erased: the name, email address, job title, organisation and remembered line manager are deleted; past " +
			"bookings stay without them until the bookings' own time is up",
		Why:   "The warning gives the person a month to keep their account by signing in.",
		Owner: "account",
	},
	{
		Key:     "booking_needs",
		Records: "Access and dietary needs given when booking a place",
		Kept:    "Until 30 days after the session ends",
		Then:    "They are deleted from the booking",
		Why: "The trainers and the venue need them to run the session, and a month afterwards lets us answer a " +
			"complaint or question about how they were met. Access needs can be health information, so we keep " +
			"them no longer than that.",
		Owner: "booking",
	},
	{
		Key:     "line_managers",
		Records: "Line managers' names and email addresses given when booking a place",
		Kept:    "Until 6 months after the session ends",
		Then:    "They are deleted from the booking",
		Why: "We tell a line manager when someone does not attend, and ask them about the training's effect on " +
			"practice about three months after the session; 6 months covers both.",
		Owner: "booking",
	},
	{
		Key: "line_manager_links",
		Records: "Links we email a line manager to answer the follow-up about how someone used their training (only a " +
			"fingerprint of each is kept), and the address each went to",
		Kept:  "Until the link expires, 30 days after it was sent unless the training team has set another time",
		Then:  "The address and the fingerprint are deleted; the line manager's answers stay with the person's evaluation",
		Why:   "The link is needed only while the line manager can answer.",
		Owner: "evaluation",
	},
	{
		Key: "rejected_prior_learning",
		Records: "Claims of safeguarding training done elsewhere (prior learning): the course, when and where it was " +
			"done, any note, and the training team's decision",
		Kept: "A claim the training team did not accept: 1 year after the decision. A confirmed claim: as long as the " +
			"account, as part of the person's training record",
		Then: "A claim not accepted is deleted",
		Why: "A confirmed claim counts towards the courses that require it, as training done with us does. A year " +
			"lets the person and the team answer questions about a claim that was not accepted.",
		Owner: "prerequisite",
	},
	{
		Key:     "renewal_notices",
		Records: "The record that we emailed someone that their training was due for renewal: which course, and when it lapsed",
		Kept:    "Until 1 year after the training it was about lapsed",
		Then:    "The record is deleted; the training itself stays with the person's bookings",
		Why:     "We keep it so each notice is sent only once, and to answer questions about it for a while after.",
		Owner:   "renewal",
	},
	{
		Key: "approval_links",
		Records: "Requests we email a line manager to approve a booking, where the person's agency asks for approval: " +
			"the link (only a fingerprint of it is kept) and the address it went to",
		Kept: "Until the line manager answers, or the request expires (72 hours after booking unless the agency " +
			"has set another time, and never after the session starts)",
		Then: "The address and the fingerprint are deleted; the answer, and a reason for declining, stay with the " +
			"booking until the booking's own time is up",
		Why:   "The link is needed only while the line manager can answer.",
		Owner: "booking",
	},
	{
		Key: "training_requests",
		Records: "Training requests: the contact's name, email address and phone number, access needs, and the " +
			"messages between the agency and the training team",
		Kept: "Until 1 year after the request is declined, or after the last session arranged from it ends",
		Then: "The contact details and access needs are deleted and the messages deleted; what was asked for and " +
			"what was arranged stay, for the partnership's figures",
		Why:   "A year lets us answer questions about the training delivered and plan the agency's next request.",
		Owner: "trainingrequest",
	},
	{
		Key:     "email_text",
		Records: "The text of emails we send, and calendar invitations attached to them",
		Kept: "30 days from when the email was written (an email sent through our mail server loses its text as " +
			"soon as it has gone)",
		Then: "The text and invite are deleted; the record that the email was sent stays",
		Why: "When no mail server is set up, training managers read emails in the service; 30 days covers every " +
			"retry and a question about what was sent.",
		Owner: "email",
	},
	{
		Key:     "email_records",
		Records: "Records of emails sent: the address, name, subject, and when it was sent or why it failed",
		Kept:    "2 years from when the email was written",
		Then:    "They are deleted",
		Why: "They show that someone was told about a booking, a cancellation or a charge, for as long as such " +
			"a question is likely to come up.",
		Owner: "email",
	},
	{
		Key:     "time_off_reasons",
		Records: "The reasons trainers give for time off",
		Kept:    "Until the time off is over",
		Then:    "The reason is deleted; the dates stay, so the scheduling history still makes sense",
		Why:     "A reason only helps the training team plan around the time off while it lasts.",
		Owner:   "trainer",
	},
	{
		Key:     "sign_in_attempts",
		Records: "Sign-in attempts: the email address typed, the IP address, when, and whether it succeeded",
		Kept:    "90 days",
		Then:    "They are deleted",
		Why: "The sign-in limits need only the last 5 minutes; 90 days lets us look into an attack on an " +
			"account after it is noticed.",
		Owner: "account",
	},
	{
		Key: "email_limits",
		Records: "Emails asked for by signing up, resetting a password, asking for a new link or writing about a " +
			"training request: the email address or person, the IP address and when",
		Kept: "24 hours",
		Then: "They are deleted within a day after that",
		Why: "They count the emails an address, a person or an IP address has asked for in the last hour, so " +
			"nobody can use the service to flood someone's inbox; they are needed for no longer.",
		Owner: "account",
	},
	{
		Key: "device_cookies",
		Records: "Device cookies: a code in your browser's cookie after you sign in (only a fingerprint of it is " +
			"kept), with your account",
		Kept: "30 days from your last sign-in on that browser",
		Then: "They stop working and are deleted within a day",
		Why: "A browser you have signed in on is not locked out when someone else at your organisation's " +
			"address guesses passwords; after a month without signing in there, it is treated as any other.",
		Owner: "account",
	},
	{
		Key:     "web_sessions",
		Records: "Signed-in sessions: a code held in your browser's cookie, with your IP address and browser",
		Kept:    "Until the session ends: after 30 minutes without use, 12 hours at most, or when you sign out",
		Then:    "An ended session no longer works, and is deleted within a day",
		Why:     "A session is needed only while you are signed in.",
		Owner:   "account",
	},
	{
		Key:     "account_links",
		Records: "Links we email to confirm an address or reset a password (only a fingerprint of each is kept)",
		Kept:    "7 days after the link expires (a link lasts 24 hours, or 1 hour to reset a password)",
		Then:    "They are deleted",
		Why:     "For a week we can still tell someone that a link they used has expired, rather than that it is wrong.",
		Owner:   "account",
	},
	{
		Key: "failed_jobs",
		Records: "Background tasks that failed for good, such as an email that could not be delivered or a refund " +
			"the card payment provider refused: which task it was, the record it was for (which can lead to a " +
			"person), and the error, which can include an email address",
		Kept: "Until a training manager has dealt with the failure or had the task tried again, then 7 days (a " +
			"task tried again that then succeeds is deleted a day after)",
		Then: "They are deleted",
		Why: "The training team must see what went wrong, and for whom, to put it right; a week afterwards lets " +
			"them check it was.",
		Owner: "queue",
	},
	{
		Key:     "cancelled_jobs",
		Records: "Background tasks cancelled with nothing wrong, such as a reminder for a booking that was cancelled",
		Kept:    "1 day",
		Then:    "They are deleted",
		Why:     "Nobody needs to act on them; a day lets us look into a problem while it is fresh.",
		Owner:   "queue",
	},
	{
		Key: "audit_log",
		Records: "The audit log: sign-ins, changes to accounts, bookings and the programme, downloads, erasures, " +
			"and who viewed whose personal data",
		Kept:  "6 years",
		Then:  "Entries are deleted",
		Why:   "To answer complaints, investigations and legal claims about who did what with personal data; most claims must be brought within 6 years (Limitation Act 1980).",
		Owner: "audit",
	},
	{
		Key:     "charges",
		Records: "Charges to agencies for non-attendance and late cancellation, and whether they were waived or paid",
		Kept:    "6 years after the end of the partnership's financial year (April to March) in which the session took place",
		Then:    "They are deleted",
		Why:     "They are financial records, which must be kept for 6 years after the end of the financial year they belong to.",
		Owner:   "payment",
	},
	{
		Key: "payments",
		Records: "Payments for places: the amount, how it was paid, its status, purchase orders and Stripe's " +
			"references (never card details, which only Stripe sees)",
		Kept:  "6 years after the end of the partnership's financial year (April to March) in which the session took place",
		Then:  "They are deleted",
		Why:   "They are financial records, which must be kept for 6 years after the end of the financial year they belong to.",
		Owner: "payment",
	},
	{
		Key:     "bookings",
		Records: "Bookings, waiting lists, cancellations and attendance, and the certificates of attended places",
		Kept:    "6 years after the end of the partnership's financial year (April to March) in which the session took place",
		Then: "They are deleted, with their certificates, whose codes then stop verifying; the number of places on " +
			"each session by agency and outcome is kept, without names, for the partnership board's figures",
		Why: "People and their employers rely on our record of their safeguarding training, which is renewed " +
			"every 3 years and looked at by inspections over several years; 6 years matches the financial records " +
			"the bookings explain.",
		Owner: "booking",
	},
}

// CountRetainedPlacesTx adds the bookings with these ids, in the caller's
// transaction, to the anonymous counts of places kept for the partnership
// board's figures (retained_place_counts), which privacy owns: booking's
// retention calls it just before it deletes them.
func CountRetainedPlacesTx(ctx context.Context, tx pgx.Tx, ids []int64) error {
	if err := privacydb.New(tx).CountRetainedPlaces(ctx, ids); err != nil {
		return fmt.Errorf("count places: %w", err)
	}
	return nil
}

// FinancialCutoff is when the financial records still kept at now begin: the
// start of the partnership's year (1 April, Europe/London) FinancialYears
// before the current one. A record of a session before it belongs to a year
// that ended FinancialYears or more ago.
func FinancialCutoff(now time.Time) time.Time {
	t := now.In(london.Zone).AddDate(-FinancialYears, 0, 0)
	y := t.Year()
	if t.Month() < time.April {
		y--
	}
	return london.Midnight(y, time.April, 1)
}

// --- the daily job ---
