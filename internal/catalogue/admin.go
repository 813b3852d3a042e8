package catalogue

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/audit"
	"github.com/pscp/booktraining/internal/catalogue/internal/cataloguedb"
	"github.com/pscp/booktraining/internal/errs"
	"github.com/pscp/booktraining/internal/pgerr"
	"github.com/pscp/booktraining/internal/validation"
)

// The audit log's names for a training manager's changes to the catalogue.
const (
	CourseCreated        = audit.CourseCreated
	CourseUpdated        = audit.CourseUpdated
	CourseOffered        = audit.CourseOffered
	CourseOfferWithdrawn = audit.CourseOfferWithdrawn
)

// ErrNoSuchCourse means no course, retired or not, has that ID.
var ErrNoSuchCourse = errs.New(errs.NotFound, "no course with that ID")

// Offering HIPS courses (issue 22).
var (
	ErrCourseOfferedElsewhere = errs.Says(errs.Conflict,
		"Another partnership offers this course, so it stays a HIPS course until they stop offering it.")
	ErrCourseHasSessions = errs.Says(errs.Conflict,
		"Your partnership has sessions of this course, so it keeps offering it. Cancelled and past sessions count too.")
	ErrOwnCourse = errs.Says(errs.Conflict,
		"This is your partnership’s own course: it is always offered while it is not retired.")
)

// Course form field names, which the validation errors refer to. Checkbox
// and radio groups are named by their first input's id.
const (
	FieldSlug                = "slug"
	FieldTitle               = "title"
	FieldSummary             = "summary"
	FieldDescription         = "description"
	FieldLearningOutcomes    = "learning-outcomes"
	FieldAudienceDescription = "audience-description"
	FieldAudiences           = "audiences"
	FieldLevel               = "level"
	FieldDuration            = "duration"
	FieldDeliveryModes       = "delivery-modes"
	FieldDefaultCapacity     = "default-capacity"
)

// Limits the courses table holds too (00001's CHECKs) or that keep a course
// page readable.
const (
	MaxSlugLength      = 100
	MaxTitleLength     = 200
	MaxTextLength      = 10000
	MaxOutcomes        = 10
	MaxDefaultCapacity = 500
)

// uniqueSlug is the constraint that keeps course slugs unique.
const uniqueSlug = "courses_slug_key"

var slugPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// ManagedCourse is a course as the training manager sees it: retired ones too.
type ManagedCourse struct {
	Course
	RetiredAt        *time.Time
	UpcomingSessions int // not cancelled, still to start
	Validity         Validity
	// Owned: the manager's partnership wrote the course and alone changes
	// it. Offered: that partnership schedules sessions of it. Shared: a
	// HIPS course, which other partnerships may offer. Owner names the
	// partnership that wrote it.
	Owned, Offered bool
	Owner          string
}

// Retired reports whether the course is no longer on offer.
func (c ManagedCourse) Retired() bool { return c.RetiredAt != nil }

// CourseForm is a course as typed into the form that creates or edits it,
// kept as typed so that a form with a mistake can be shown again.
type CourseForm struct {
	Slug                string
	Title               string
	Summary             string
	Description         string // paragraphs separated by blank lines
	LearningOutcomes    string // one a line
	AudienceDescription string
	Audiences           []string
	Level               string
	Duration            string
	DeliveryModes       []string
	DefaultCapacity     string
	ValidForMonths      string // "" for training that does not expire
	RenewedBy           string // the renewing course's ID; "" for the course itself
}

// Has reports whether a checkbox group's values include v, for the form.
func (f CourseForm) Has(values []string, v string) bool { return slices.Contains(values, v) }

// CourseFormOf fills a form with a course, to edit it.
func CourseFormOf(c Course) CourseForm {
	return CourseForm{
		Slug: c.Slug, Title: c.Title, Summary: c.Summary, Description: c.Description,
		LearningOutcomes:    strings.Join(c.LearningOutcomes, "\n"),
		AudienceDescription: c.AudienceDescription,
		Audiences:           strs(c.Audiences),
		Level:               strconv.Itoa(int(c.Level)),
		Duration:            string(c.Duration),
		DeliveryModes:       strs(c.DeliveryModes),
		DefaultCapacity:     strconv.Itoa(c.DefaultCapacity),
	}
}

// ManagedCourses returns every course, retired ones too, by title, with
// how many sessions of each are still to come (upcomingSessions).
func (s *Service) ManagedCourses(ctx context.Context) ([]ManagedCourse, error) {
	q := cataloguedb.New(s.pool)
	rows, err := q.ListCoursesForAdmin(ctx)
	if err != nil {
		return nil, fmt.Errorf("list courses for admin: %w", err)
	}
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	upcoming, err := s.upcomingSessions(ctx, q, ids)
	if err != nil {
		return nil, err
	}
	out := make([]ManagedCourse, len(rows))
	for i, r := range rows {
		out[i] = ManagedCourse{
			Course: Course{
				ID: r.ID, Slug: r.Slug, Title: r.Title, Level: Level(r.Level), Duration: Duration(r.Duration),
				DeliveryModes: typed[DeliveryMode](r.DeliveryModes), DefaultCapacity: int(r.DefaultCapacity),
				Shared: r.Shared,
			},
			RetiredAt: r.RetiredAt, UpcomingSessions: upcoming[r.ID],
			Owned: r.Owned, Offered: r.Offered, Owner: r.OwnerName,
		}
	}
	return out, nil
}

// ManagedCourse returns one course, retired or not, or ErrNoSuchCourse.
func (s *Service) ManagedCourse(ctx context.Context, id int64) (ManagedCourse, error) {
	r, err := cataloguedb.New(s.pool).GetCourseForAdmin(ctx, id)
	if errors.Is(err, pgx.ErrNoRows) {
		return ManagedCourse{}, ErrNoSuchCourse
	} else if err != nil {
		return ManagedCourse{}, fmt.Errorf("get course %d: %w", id, err)
	}
	v, err := cataloguedb.New(s.pool).CourseValidity(ctx, id)
	if err != nil {
		return ManagedCourse{}, fmt.Errorf("validity of course %d: %w", id, err)
	}
	c := courseOf(cataloguedb.LockCourseRow{
		ID: r.ID, Slug: r.Slug, Title: r.Title, Summary: r.Summary, Description: r.Description,
		LearningOutcomes: r.LearningOutcomes, AudienceDescription: r.AudienceDescription, Audiences: r.Audiences,
		Level: r.Level, Duration: r.Duration, DeliveryModes: r.DeliveryModes, DefaultCapacity: r.DefaultCapacity,
		RetiredAt: r.RetiredAt,
	})
	c.Shared = r.Shared
	return ManagedCourse{
		Course: c, RetiredAt: r.RetiredAt, Validity: validityOf(v),
		Owned: r.Owned, Offered: r.Offered, Owner: r.OwnerName,
	}, nil
}

// SetCourseShared makes the manager's partnership's course a HIPS course,
// which the other partnerships may offer, or stops sharing it. A course
// another partnership offers stays shared until it stops. Asking for the
// state the course is in changes and records nothing.
func (s *Service) SetCourseShared(ctx context.Context, id int64, shared bool) error {
	a := actor.From(ctx)
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		q := cataloguedb.New(tx)
		if _, err := q.LockCourse(ctx, id); errors.Is(err, pgx.ErrNoRows) {
			return ErrNoSuchCourse // or another partnership's: row-level security hides it
		} else if err != nil {
			return fmt.Errorf("share course %d: %w", id, err)
		}
		now := s.now()
		n, err := q.SetCourseShared(ctx, cataloguedb.SetCourseSharedParams{ID: id, Shared: shared, Now: now})
		if pgerr.Violates(err, "courses_shared_while_offered") {
			return ErrCourseOfferedElsewhere
		} else if err != nil {
			return fmt.Errorf("share course %d: %w", id, err)
		} else if n == 0 {
			return nil
		}
		return audit.RecordTx(ctx, tx, now, audit.Event{
			Action: CourseUpdated, ActorID: a.IDPtr(), IP: a.IP,
			Details: map[string]any{"course_id": id, "shared": map[string]any{"from": !shared, "to": shared}},
		})
	})
}

// SetCourseOffered has the manager's partnership offer another
// partnership's shared course, so that it can schedule sessions of it, or
// stop offering it once it has no sessions of it. Asking for the state it
// is in changes and records nothing.
func (s *Service) SetCourseOffered(ctx context.Context, id int64, offered bool) error {
	a := actor.From(ctx)
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		q := cataloguedb.New(tx)
		c, err := q.GetCourseForAdmin(ctx, id)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNoSuchCourse
		} else if err != nil {
			return fmt.Errorf("offer course %d: %w", id, err)
		}
		if c.Owned {
			return ErrOwnCourse
		}
		var n int64
		if offered {
			n, err = q.OfferCourse(ctx, id)
		} else {
			n, err = q.WithdrawCourseOffer(ctx, id)
		}
		switch {
		case pgerr.Violates(err, "course_offers_course_shared"):
			return ErrNoSuchCourse
		case pgerr.Violates(err, "sessions_course_offered"):
			return ErrCourseHasSessions
		case err != nil:
			return fmt.Errorf("offer course %d: %w", id, err)
		case n == 0:
			return nil
		}
		now := s.now()
		action := CourseOffered
		if !offered {
			action = CourseOfferWithdrawn
		}
		return audit.RecordTx(ctx, tx, now, audit.Event{
			Action: action, ActorID: a.IDPtr(), IP: a.IP, Details: map[string]any{"course_id": id, "title": c.Title},
		})
	})
}

// CreateCourse adds a course, audited as done by the actor in ctx (a
// training manager), and returns its ID, or *validation.Errors for a form
// with mistakes.
func (s *Service) CreateCourse(ctx context.Context, f CourseForm) (int64, error) {
	a := actor.From(ctx)
	var id int64
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		q := cataloguedb.New(tx)
		c, val, err := f.check(ctx, q, 0)
		if err != nil {
			return err
		}
		now := s.now()
		id, err = q.CreateCourse(ctx, cataloguedb.CreateCourseParams{
			Slug: c.Slug, Title: c.Title, Summary: c.Summary, Description: c.Description,
			LearningOutcomes: c.LearningOutcomes, AudienceDescription: c.AudienceDescription,
			Audiences: strs(c.Audiences), Level: int16(c.Level), Duration: string(c.Duration),
			DeliveryModes: strs(c.DeliveryModes), DefaultCapacity: int32(c.DefaultCapacity), Now: now,
		})
		if pgerr.Violates(err, uniqueSlug) {
			return slugTaken()
		} else if err != nil {
			return fmt.Errorf("create course: %w", err)
		}
		details := map[string]any{"course_id": id, "slug": c.Slug, "title": c.Title}
		if val != (Validity{}) {
			if _, err := saveValidity(ctx, q, id, Validity{}, val, now); err != nil {
				return err
			}
			details["valid_for_months"], details["renewed_by_course_id"] = val.Months, val.RenewedBy
		}
		return audit.RecordTx(ctx, tx, now, audit.Event{
			Action: CourseCreated, ActorID: a.IDPtr(), IP: a.IP, Details: details,
		})
	})
	return id, err
}

// UpdateCourse changes every field of a course and audits those that
// changed, as done by the actor in ctx. Sessions already scheduled keep the
// title they were given.
func (s *Service) UpdateCourse(ctx context.Context, id int64, f CourseForm) error {
	a := actor.From(ctx)
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		q := cataloguedb.New(tx)
		row, err := q.LockCourse(ctx, id)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNoSuchCourse
		} else if err != nil {
			return fmt.Errorf("update course %d: %w", id, err)
		}
		c, val, err := f.check(ctx, q, id)
		if err != nil {
			return err
		}
		oldValidity, err := q.CourseValidity(ctx, id)
		if err != nil {
			return fmt.Errorf("validity of course %d: %w", id, err)
		}
		now := s.now()
		changes, err := saveValidity(ctx, q, id, validityOf(oldValidity), val, now)
		if err != nil {
			return err
		}
		old := CourseFormOf(courseOf(row))
		for _, ch := range []struct {
			field    string
			from, to string
		}{
			{"slug", old.Slug, c.Slug},
			{"title", old.Title, c.Title},
			{"summary", old.Summary, c.Summary},
			{"description", old.Description, c.Description},
			{"learning_outcomes", old.LearningOutcomes, strings.Join(c.LearningOutcomes, "\n")},
			{"audience_description", old.AudienceDescription, c.AudienceDescription},
			{"audiences", strings.Join(old.Audiences, ", "), strings.Join(strs(c.Audiences), ", ")},
			{"level", old.Level, strconv.Itoa(int(c.Level))},
			{"duration", old.Duration, string(c.Duration)},
			{"delivery_modes", strings.Join(old.DeliveryModes, ", "), strings.Join(strs(c.DeliveryModes), ", ")},
			{"default_capacity", old.DefaultCapacity, strconv.Itoa(c.DefaultCapacity)},
		} {
			if ch.from != ch.to {
				changes[ch.field] = map[string]any{"from": ch.from, "to": ch.to}
			}
		}
		if len(changes) == 0 {
			return nil
		}
		err = q.UpdateCourse(ctx, cataloguedb.UpdateCourseParams{
			ID: id, Slug: c.Slug, Title: c.Title, Summary: c.Summary, Description: c.Description,
			LearningOutcomes: c.LearningOutcomes, AudienceDescription: c.AudienceDescription,
			Audiences: strs(c.Audiences), Level: int16(c.Level), Duration: string(c.Duration),
			DeliveryModes: strs(c.DeliveryModes), DefaultCapacity: int32(c.DefaultCapacity), Now: now,
		})
		if pgerr.Violates(err, uniqueSlug) {
			return slugTaken()
		} else if err != nil {
			return fmt.Errorf("update course %d: %w", id, err)
		}
		changes["course_id"] = id
		return audit.RecordTx(ctx, tx, now, audit.Event{Action: CourseUpdated, ActorID: a.IDPtr(), IP: a.IP, Details: changes})
	})
}

// SetCourseRetired takes a course off the public catalogue (its sessions,
// past and planned, are kept) or puts it back. Asking for the state it is
// already in changes and records nothing. The actor in ctx is audited.
func (s *Service) SetCourseRetired(ctx context.Context, id int64, retired bool) error {
	a := actor.From(ctx)
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		q := cataloguedb.New(tx)
		old, err := q.LockCourse(ctx, id)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNoSuchCourse
		} else if err != nil {
			return fmt.Errorf("retire course %d: %w", id, err)
		}
		if (old.RetiredAt != nil) == retired {
			return nil
		}
		now := s.now()
		var at *time.Time
		if retired {
			at = &now
		}
		if err := q.SetCourseRetired(ctx, cataloguedb.SetCourseRetiredParams{ID: id, RetiredAt: at, Now: now}); err != nil {
			return fmt.Errorf("retire course %d: %w", id, err)
		}
		return audit.RecordTx(ctx, tx, now, audit.Event{
			Action: CourseUpdated, ActorID: a.IDPtr(), IP: a.IP,
			Details: map[string]any{"course_id": id, "retired": map[string]any{"from": !retired, "to": retired}},
		})
	})
}

func courseOf(r cataloguedb.LockCourseRow) Course {
	return Course{
		ID: r.ID, Slug: r.Slug, Title: r.Title, Summary: r.Summary, Description: r.Description,
		LearningOutcomes: r.LearningOutcomes, AudienceDescription: r.AudienceDescription,
		Audiences: typed[Audience](r.Audiences), Level: Level(r.Level), Duration: Duration(r.Duration),
		DeliveryModes: typed[DeliveryMode](r.DeliveryModes), DefaultCapacity: int(r.DefaultCapacity),
	}
}

// check validates the form against the rules of the courses table and
// returns the course it describes. except is the ID of the course being
// edited (0 for a new one), which may keep its slug.
func (f CourseForm) check(ctx context.Context, q *cataloguedb.Queries, except int64) (Course, Validity, error) {
	c := Course{
		Slug:                strings.TrimSpace(f.Slug),
		Title:               validation.CleanLine(f.Title),
		Summary:             validation.CleanLine(f.Summary),
		Description:         paragraphs(f.Description),
		AudienceDescription: validation.CleanLine(f.AudienceDescription),
		Duration:            Duration(f.Duration),
	}
	var v validation.Errors
	switch {
	case c.Slug == "":
		v.Add(FieldSlug, "Enter the course’s web address name")
	case len(c.Slug) > MaxSlugLength:
		v.Add(FieldSlug, fmt.Sprintf("Web address name must be %d characters or fewer", MaxSlugLength))
	case !slugPattern.MatchString(c.Slug):
		v.Add(FieldSlug, "Web address name must be lower-case letters and numbers, with words joined by hyphens, like working-together")
	default:
		taken, err := q.CourseSlugTaken(ctx, cataloguedb.CourseSlugTakenParams{Slug: c.Slug, ExceptID: except})
		if err != nil {
			return Course{}, Validity{}, fmt.Errorf("check course slug: %w", err)
		}
		if taken {
			v.Add(FieldSlug, slugTakenMessage)
		}
	}
	switch {
	case c.Title == "":
		v.Add(FieldTitle, "Enter the course title")
	case utf8.RuneCountInString(c.Title) > MaxTitleLength:
		v.Add(FieldTitle, fmt.Sprintf("Title must be %d characters or fewer", MaxTitleLength))
	case validation.HasHiddenFormatting(c.Title):
		v.Add(FieldTitle, validation.HiddenFormattingMessage("Title"))
	}
	textField(&v, FieldSummary, c.Summary, "Enter a summary of the course", "Summary")
	textField(&v, FieldDescription, c.Description, "Enter a description of the course", "Description")
	for _, line := range strings.Split(strings.ReplaceAll(f.LearningOutcomes, "\r\n", "\n"), "\n") {
		if line = validation.CleanLine(line); line != "" {
			c.LearningOutcomes = append(c.LearningOutcomes, line)
		}
	}
	switch n := len(c.LearningOutcomes); {
	case n == 0:
		v.Add(FieldLearningOutcomes, "Enter at least one learning outcome")
	case n > MaxOutcomes:
		v.Add(FieldLearningOutcomes, fmt.Sprintf("Enter %d learning outcomes or fewer, one a line", MaxOutcomes))
	case utf8.RuneCountInString(strings.Join(c.LearningOutcomes, "\n")) > MaxTextLength:
		v.Add(FieldLearningOutcomes, fmt.Sprintf("Learning outcomes must be %d characters or fewer", MaxTextLength))
	}
	textField(&v, FieldAudienceDescription, c.AudienceDescription, "Enter who the course is for", "Who the course is for")
	for _, a := range Audiences {
		if slices.Contains(f.Audiences, string(a)) {
			c.Audiences = append(c.Audiences, a)
		}
	}
	if len(c.Audiences) == 0 || len(c.Audiences) != len(compact(f.Audiences)) {
		v.Add(FieldAudiences, "Select who the course is for")
	}
	if n, err := strconv.Atoi(f.Level); err == nil && Level(n).Valid() {
		c.Level = Level(n)
	} else {
		v.Add(FieldLevel, "Select the course’s level")
	}
	if !c.Duration.Valid() {
		v.Add(FieldDuration, "Select how long a session lasts")
	}
	for _, m := range DeliveryModes {
		if slices.Contains(f.DeliveryModes, string(m)) {
			c.DeliveryModes = append(c.DeliveryModes, m)
		}
	}
	if len(c.DeliveryModes) == 0 || len(c.DeliveryModes) != len(compact(f.DeliveryModes)) {
		v.Add(FieldDeliveryModes, "Select how the course can be delivered")
	}
	capacity := strings.TrimSpace(f.DefaultCapacity)
	n, err := strconv.Atoi(capacity)
	switch {
	case capacity == "":
		v.Add(FieldDefaultCapacity, "Enter how many places a session has")
	case err != nil:
		v.Add(FieldDefaultCapacity, "Places must be a whole number, like 20")
	case n < 1 || n > MaxDefaultCapacity:
		v.Add(FieldDefaultCapacity, fmt.Sprintf("Places must be between 1 and %d", MaxDefaultCapacity))
	default:
		c.DefaultCapacity = n
	}
	val, err := f.checkValidity(ctx, q, except, &v)
	if err != nil {
		return Course{}, Validity{}, err
	}
	return c, val, v.Err()
}

func textField(v *validation.Errors, field, value, missing, label string) {
	switch {
	case value == "":
		v.Add(field, missing)
	case utf8.RuneCountInString(value) > MaxTextLength:
		v.Add(field, fmt.Sprintf("%s must be %d characters or fewer", label, MaxTextLength))
	}
}

// compact is the distinct values of a checkbox group.
func compact(values []string) []string {
	out := slices.Clone(values)
	slices.Sort(out)
	return slices.Compact(out)
}

var blankLines = regexp.MustCompile(`\n\s*\n`)

// paragraphs tidies each paragraph of s and joins them with one blank line,
// the way Course.Paragraphs splits them again.
func paragraphs(s string) string {
	var out []string
	for _, p := range blankLines.Split(strings.ReplaceAll(s, "\r\n", "\n"), -1) {
		if p = validation.CleanLine(p); p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, "\n\n")
}

const slugTakenMessage = "Another course already has this web address name"

func slugTaken() error {
	var v validation.Errors
	v.Add(FieldSlug, slugTakenMessage)
	return &v
}
