package catalogue

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pscp/booktraining/internal/catalogue/internal/cataloguedb"
	"github.com/pscp/booktraining/internal/validation"
)

// Fields of the course form's validity section.
const (
	FieldValidForMonths = "valid-for-months"
	FieldRenewedBy      = "renewed-by"
)

// Limits of a validity period, as the courses table holds them.
const MinValidForMonths, MaxValidForMonths = 1, 120

// Validity is how long a course's training stays valid, and the course that
// renews it; internal/renewal applies it.
type Validity struct {
	Months    int   // 0: the training does not expire
	RenewedBy int64 // 0: the course itself
}

// RenewingCourse is a course the form offers as the one that renews another.
type RenewingCourse struct {
	ID      int64
	Title   string
	Retired bool
}

// Value and Label are the course as a select's option.
func (c RenewingCourse) Value() string { return strconv.FormatInt(c.ID, 10) }
func (c RenewingCourse) Label() string {
	if c.Retired {
		return c.Title + " (retired)"
	}
	return c.Title
}

// RenewingCourses returns the courses that can renew another (the
// catalogue's, retired ones marked), by title.
func (s *Service) RenewingCourses(ctx context.Context) ([]RenewingCourse, error) {
	rows, err := cataloguedb.New(s.pool).RenewingCourseChoices(ctx)
	if err != nil {
		return nil, fmt.Errorf("courses that can renew another: %w", err)
	}
	out := make([]RenewingCourse, len(rows))
	for i, r := range rows {
		out[i] = RenewingCourse{ID: r.ID, Title: r.Title, Retired: r.Retired}
	}
	return out, nil
}

// Form fills the edit form with the course, its validity included.
func (c ManagedCourse) Form() CourseForm {
	f := CourseFormOf(c.Course)
	f.setValidity(c.Validity)
	return f
}

func (f *CourseForm) setValidity(v Validity) {
	f.ValidForMonths, f.RenewedBy = "", ""
	if v.Months > 0 {
		f.ValidForMonths = strconv.Itoa(v.Months)
	}
	if v.RenewedBy > 0 {
		f.RenewedBy = strconv.FormatInt(v.RenewedBy, 10)
	}
}

func validityOf(r cataloguedb.CourseValidityRow) Validity {
	var v Validity
	if r.ValidForMonths != nil {
		v.Months = int(*r.ValidForMonths)
	}
	if r.RenewedByCourseID != nil {
		v.RenewedBy = *r.RenewedByCourseID
	}
	return v
}

// checkValidity reads the validity section into v, adding what is wrong
// to errs. self is the course being edited (0 for a new one), which cannot
// name itself as the course that renews it.
func (f CourseForm) checkValidity(ctx context.Context, q *cataloguedb.Queries, self int64, errs *validation.Errors) (Validity, error) {
	var v Validity
	typed := strings.TrimSpace(f.ValidForMonths)
	if typed != "" {
		n, err := strconv.Atoi(typed)
		if err != nil || n < MinValidForMonths || n > MaxValidForMonths {
			errs.Add(FieldValidForMonths, fmt.Sprintf("How long the training stays valid must be a whole number of months from %d to %d, like 36", MinValidForMonths, MaxValidForMonths))
		} else {
			v.Months = n
		}
	}
	by := strings.TrimSpace(f.RenewedBy)
	if by == "" || by == strconv.FormatInt(self, 10) {
		return v, nil // renewed by itself
	}
	id, err := strconv.ParseInt(by, 10, 64)
	if err != nil {
		errs.Add(FieldRenewedBy, "Select the course that renews this one")
		return v, nil
	}
	choices, err := q.RenewingCourseChoices(ctx)
	if err != nil {
		return v, fmt.Errorf("courses that can renew another: %w", err)
	}
	if !slices.ContainsFunc(choices, func(c cataloguedb.RenewingCourseChoicesRow) bool { return c.ID == id }) {
		errs.Add(FieldRenewedBy, "Select the course that renews this one")
		return v, nil
	}
	if typed == "" {
		errs.Add(FieldRenewedBy, "Only training that stays valid for a set time is renewed: enter how many months it stays valid, or choose this course itself")
		return v, nil
	}
	v.RenewedBy = id
	return v, nil
}

// saveValidity writes v for course id and returns the audit's changes.
func saveValidity(ctx context.Context, q *cataloguedb.Queries, id int64, old, v Validity, now time.Time) (map[string]any, error) {
	changes := map[string]any{}
	if old.Months != v.Months {
		changes["valid_for_months"] = map[string]any{"from": old.Months, "to": v.Months}
	}
	if old.RenewedBy != v.RenewedBy {
		changes["renewed_by_course_id"] = map[string]any{"from": old.RenewedBy, "to": v.RenewedBy}
	}
	if len(changes) == 0 {
		return changes, nil
	}
	p := cataloguedb.SetCourseValidityParams{ID: id, Now: now}
	if v.Months > 0 {
		m := int32(v.Months)
		p.ValidForMonths = &m
	}
	if v.RenewedBy > 0 {
		p.RenewedByCourseID = &v.RenewedBy
	}
	if err := q.SetCourseValidity(ctx, p); err != nil {
		return nil, fmt.Errorf("set validity of course %d: %w", id, err)
	}
	return changes, nil
}

// SetDemoValidityTx gives the demo course slug a validity period, in the
// demo seed's transaction.
func SetDemoValidityTx(ctx context.Context, tx pgx.Tx, slug string, months int) error {
	n, err := cataloguedb.New(tx).SetDemoCourseValidity(ctx, cataloguedb.SetDemoCourseValidityParams{Months: int32(months), Slug: slug})
	if err != nil {
		return fmt.Errorf("demo validity of %q: %w", slug, err)
	}
	if n != 1 {
		return fmt.Errorf("demo validity: no course %q", slug)
	}
	return nil
}
