package trainingrequest

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pscp/booktraining/internal/account"
	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/london"
	"github.com/pscp/booktraining/internal/trainingrequest/internal/trainingrequestdb"
	"github.com/pscp/booktraining/internal/validation"
)

// DateInput is one preferred date as typed: GOV.UK date parts and 24-hour
// times in Europe/London.
type DateInput struct {
	Day, Month, Year, Start, End string
}

func (d DateInput) blank() bool {
	return strings.TrimSpace(d.Day+d.Month+d.Year+d.Start+d.End) == ""
}

// Form is a request as the agency fills it in.
type Form struct {
	Kind         string // "course" or "bespoke"
	CourseID     string
	Topic        string // bespoke: a short name
	Need         string // bespoke: the learning need
	Audience     string
	Participants string
	Dates        []DateInput
	Location     string
	Address      string
	AccessNeeds  string
	ContactName  string
	ContactEmail string
	ContactPhone string
	// Partnership is the slug of the partnership asked, when the service
	// serves more than one (issue 22); a course asked for must be its.
	Partnership string
	// FormKey is the one-time key of the form it was sent from (NewFormKey):
	// the same form sent twice (a double click) makes one request.
	FormKey string
}

// NewFormKey returns a one-time key for a new request form.
func NewFormKey() string {
	b := make([]byte, 18)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// DateField is the form field (its first input) of preferred date i (from 1).
func DateField(i int) string { return "date-" + strconv.Itoa(i) + "-day" }

// Submit checks and saves a request and emails its acknowledgement, in one
// transaction. Bad input is a *validation.Errors and nothing is saved. A
// form sent again with the same FormKey, even at the same moment, returns
// the first request's ID and makes and sends nothing more. A person may send
// account.MaxRequestMessagesPerPerson requests and messages an hour; past
// that, an *account.EmailLimitError.
func (s *Service) Submit(ctx context.Context, f Form) (int64, error) {
	by := actor.From(ctx)
	if !CanRequest(by) {
		return 0, ErrNotAllowed
	}
	q := trainingrequestdb.New(s.pool)
	var v validation.Errors
	kind := f.Kind
	partnerships, err := q.EnquiryPartnerships(ctx)
	if err != nil {
		return 0, fmt.Errorf("partnerships: %w", err)
	}
	var asked trainingrequestdb.EnquiryPartnershipsRow
	for _, p := range partnerships {
		if len(partnerships) == 1 || p.Slug == f.Partnership {
			asked = p
		}
	}
	if asked.ID == 0 {
		v.Add("partnership", "Select the partnership you are asking for training")
	}
	var courseID *int64
	switch kind {
	case "course":
		id, err := strconv.ParseInt(strings.TrimSpace(f.CourseID), 10, 64)
		if err != nil || id <= 0 {
			v.Add("course", "Select the course you would like delivered")
		} else if c, err := q.EnquiryCourse(ctx, id); errors.Is(err, pgx.ErrNoRows) {
			v.Add("course", "Select a course from the list")
		} else if err != nil {
			return 0, fmt.Errorf("course: %w", err)
		} else if asked.ID != 0 && c.PartnershipID != asked.ID {
			v.Add("course", "Select a course that "+asked.ShortName+" runs, or ask the partnership that runs it")
		} else {
			courseID = &id
		}
	case "bespoke":
	default:
		v.Add("kind", "Select whether you want a course from our programme or bespoke training")
	}
	topic, need := validation.CleanLine(f.Topic), validation.CleanText(f.Need)
	if kind == "bespoke" {
		switch {
		case topic == "":
			v.Add("topic", "Enter a short name for the training")
		case len([]rune(topic)) > 200:
			v.Add("topic", "The name must be 200 characters or fewer")
		case validation.HasHiddenFormatting(topic):
			v.Add("topic", validation.HiddenFormattingMessage("The name"))
		}
		switch {
		case need == "":
			v.Add("need", "Describe the learning need the training should meet")
		case len([]rune(need)) > 5000:
			v.Add("need", "The description must be 5,000 characters or fewer")
		}
	} else {
		topic, need = "", ""
	}
	audience := validation.CleanText(f.Audience)
	switch {
	case audience == "":
		v.Add("audience", "Enter who the training is for: their teams and roles")
	case len([]rune(audience)) > 2000:
		v.Add("audience", "The audience must be 2,000 characters or fewer")
	}
	participants, err := strconv.Atoi(strings.TrimSpace(f.Participants))
	switch {
	case strings.TrimSpace(f.Participants) == "":
		v.Add("participants", "Enter how many people would attend")
	case err != nil:
		v.Add("participants", "Enter the number of people as a whole number, like 20")
	case participants < 1:
		v.Add("participants", "At least 1 person must attend")
	case participants > 1000:
		v.Add("participants", "Enter 1,000 people or fewer")
	}

	type slot struct{ start, end time.Time }
	var dates []slot
	for i, d := range f.Dates {
		if i >= MaxDates || d.blank() {
			continue
		}
		field := DateField(i + 1)
		day, wrong := london.DateInput{Day: d.Day, Month: d.Month, Year: d.Year}.Parse(fmt.Sprintf("Preferred date %d", i+1))
		if wrong != nil {
			v.Add(field, wrong.Message)
			continue
		}
		start, okStart := london.ParseClock(day, d.Start)
		end, okEnd := london.ParseClock(day, d.End)
		switch {
		case !okStart || !okEnd:
			v.Add(field, fmt.Sprintf("Enter the start and end times of preferred date %d in 24-hour format, for example 9:30 and 16:00", i+1))
		case !end.After(start):
			v.Add(field, fmt.Sprintf("The end time of preferred date %d must be after its start time", i+1))
		case !start.After(s.now()):
			v.Add(field, fmt.Sprintf("Preferred date %d must be in the future", i+1))
		case start.After(s.now().AddDate(0, MaxMonthsAhead, 0)):
			v.Add(field, fmt.Sprintf("Preferred date %d must be within %d months from today", i+1, MaxMonthsAhead))
		default:
			dates = append(dates, slot{start, end})
		}
	}
	if len(dates) == 0 && !v.Has(DateField(1)) && !v.Has(DateField(2)) && !v.Has(DateField(3)) {
		v.Add(DateField(1), "Enter at least one preferred date and time")
	}

	location, address := f.Location, validation.CleanText(f.Address)
	switch location {
	case OwnPremises:
		switch {
		case address == "":
			v.Add("address", "Enter the address of your premises")
		case len([]rune(address)) > 1000:
			v.Add("address", "The address must be 1,000 characters or fewer")
		}
	case Venue, Online:
		address = ""
	default:
		v.Add("location", "Select where the training should take place")
	}
	access := validation.CleanText(f.AccessNeeds)
	if len([]rune(access)) > 2000 {
		v.Add("access-needs", "Access needs must be 2,000 characters or fewer")
	}
	contactName := validation.CleanLine(f.ContactName)
	switch {
	case contactName == "":
		v.Add("contact-name", "Enter the name of the person we should contact")
	case len([]rune(contactName)) > 200:
		v.Add("contact-name", "The name must be 200 characters or fewer")
	case validation.HasHiddenFormatting(contactName):
		v.Add("contact-name", validation.HiddenFormattingMessage("The name"))
	}
	contactEmail := validation.Email(f.ContactEmail)
	if contactEmail == "" {
		v.Add("contact-email", "Enter an email address in the correct format, like name@example.org")
	}
	phone := validation.CleanLine(f.ContactPhone)
	if len([]rune(phone)) > 50 {
		v.Add("contact-phone", "The phone number must be 50 characters or fewer")
	}
	if err := v.Err(); err != nil {
		return 0, err
	}

	var formKey *string
	if k := strings.TrimSpace(f.FormKey); k != "" && len(k) <= 100 && validation.CleanLine(k) == k {
		formKey = &k // otherwise (an old form, or junk) the request is made without one
	}
	now := s.now()
	var id int64
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		q := trainingrequestdb.New(tx)
		var err error
		id, err = q.InsertEnquiry(ctx, trainingrequestdb.InsertEnquiryParams{
			AgencyID: *by.AgencyID, RequestedBy: by.ID, Kind: kind, CourseID: courseID, Topic: topic, Need: need,
			Audience: audience, Participants: int32(participants), Location: location, Address: address,
			AccessNeeds: access, ContactName: contactName, ContactEmail: contactEmail, ContactPhone: phone, Now: now,
			FormKey: formKey, PartnershipID: asked.ID,
		})
		if errors.Is(err, pgx.ErrNoRows) && formKey != nil {
			// Sent before (the insert waited for that one to commit).
			id, err = q.GetEnquiryByFormKey(ctx, trainingrequestdb.GetEnquiryByFormKeyParams{RequestedBy: by.ID, FormKey: formKey})
			if err != nil {
				return fmt.Errorf("find request sent before: %w", err)
			}
			return nil
		} else if err != nil {
			return fmt.Errorf("insert request: %w", err)
		}
		if err := account.AllowPersonEmailTx(ctx, tx, account.ActionTrainingRequest, by.ID, now); err != nil {
			return err
		}
		for i, d := range dates {
			if err := q.InsertEnquiryDate(ctx, trainingrequestdb.InsertEnquiryDateParams{
				EnquiryID: id, Position: int16(i + 1), StartsAt: d.start, EndsAt: d.end,
			}); err != nil {
				return fmt.Errorf("insert preferred date: %w", err)
			}
		}
		if err := q.InsertEnquiryEvent(ctx, trainingrequestdb.InsertEnquiryEventParams{
			EnquiryID: id, ActorID: by.ID, Action: "submitted", Status: Submitted, At: now,
		}); err != nil {
			return fmt.Errorf("record request: %w", err)
		}
		e, err := q.GetEnquiry(ctx, id)
		if err != nil {
			return fmt.Errorf("read request back: %w", err)
		}
		return s.tellAgency(ctx, tx, e, "received", fmt.Sprintf(
			"We have received your request for %s for %s.\n\nYour reference is %s. We aim to reply within %d working days.\n\nYou can follow your request, and answer any questions we ask, at %s",
			title(e), e.AgencyName, Reference(id), s.ResponseDays, s.link(id)))
	})
	if err != nil {
		return 0, err
	}
	return id, nil
}

// MaxMonthsAhead is how far ahead a preferred date may be: the partnership
// plans its programme about a year ahead, so a request for later than this
// cannot be answered yet (and 9999 is a mistyped year).
const MaxMonthsAhead = 18
