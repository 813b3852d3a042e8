package demo

import (
	"slices"
	"strings"
	"time"

	"github.com/pscp/booktraining/internal/account"
	"github.com/pscp/booktraining/internal/agency"
	"github.com/pscp/booktraining/internal/catalogue"
	"github.com/pscp/booktraining/internal/london"
	"github.com/pscp/booktraining/internal/workday"
)

// The past term: the partnership's year so far, so every report has figures
// on a fresh start. It is planned in Go from now alone (PlanPastTerm), with
// no randomness, then made through each owner's ...DemoTx function in the
// seeding transaction.

// PastSessions is how many sessions the past term holds.
const PastSessions = 40

// PastColleagues is how many demo colleagues without a password the past
// term's places are spread over.
const PastColleagues = 150

// PastTermStart is when the demo's past term begins: the 1st of April before
// now in London, or three months before today when that is later, so even
// early in a partnership year there is a term to report on.
func PastTermStart(now time.Time) time.Time {
	today := london.StartOfDay(now)
	l := today.In(london.Zone)
	year := l.Year()
	if l.Month() < time.April {
		year--
	}
	april := london.Midnight(year, time.April, 1)
	if threeMonths := today.AddDate(0, -3, 0); threeMonths.Before(april) {
		return threeMonths
	}
	return april
}

// The past term's outcomes for a claim.
const (
	placeAttended    = "attended"
	placeLate        = "late"
	placeAbsent      = "absent"
	placeUnmarked    = "unmarked" // confirmed, the register not taken
	placeCancelled   = "cancelled"
	placeLateCancel  = "late_cancelled"
	placeSessionOff  = "session_cancelled" // cancelled with the session
	placeSubstituted = "substituted"
	placeMoved       = "moved"
	placeWaiting     = "waiting"
	placeExpired     = "expired"
)

// PastPlace is one claim of the past term: Person indexes the colleagues,
// Ref the place that took its place (substituted, moved), -1 for none.
type PastPlace struct {
	Session, Person int
	Outcome         string
	Ref             int
	N               int // its number on the session, to vary what follows from it
}

// PastSession is one session of the past term, by index into Courses,
// Venues and Agencies (ClosedToAgency -1 when open to everyone); Trainers
// are emails of demo trainers (Accounts and pastTrainers).
type PastSession struct {
	Course, Venue    int
	StartsAt, EndsAt time.Time
	Capacity         int
	Status           catalogue.SessionStatus
	CancelledReason  string
	ClosedToAgency   int
	Trainers         []string
}

// PastTerm is the whole plan.
type PastTerm struct {
	Sessions []PastSession
	Places   []PastPlace
}

// pastTrainers are frontline professionals from four more agencies who
// deliver some of the past term's courses, so the contribution ledger shows
// several agencies giving time. They cannot sign in.
var pastTrainers = []account.DemoPerson{
	{Email: "rachel.adeyemi@example.org", FullName: "Rachel Adeyemi", JobTitle: "Practice educator (social work)", Agency: "Portsmouth City Council Children and Families Service"},
	{Email: "mark.doyle@example.org", FullName: "Mark Doyle", JobTitle: "Designated safeguarding lead", Agency: "Secondary schools (Portsmouth)"},
	{Email: "sunita.rao@example.org", FullName: "Sunita Rao", JobTitle: "Domestic abuse services manager", Agency: "Domestic abuse services (commissioned providers)"},
	{Email: "owen.price@example.org", FullName: "Owen Price", JobTitle: "Senior probation officer", Agency: "Probation Service (Hampshire and Isle of Wight)"},
}

var cancelledReasons = []string{
	"Both trainers were called to a serious case review that week.",
	"Too few bookings to run that day.",
	"The venue closed for urgent repairs.",
}

// PlanPastTerm plans the past term from now: PastSessions sessions spread
// over the working days from PastTermStart to yesterday (one a day, so no
// room or trainer is ever in two places at once), skipping the days of the
// demo practitioner's own past sessions (avoid); three cancelled by the
// partnership, two closed to the agency that asked for them, the last with
// its register still to take.
func PlanPastTerm(now time.Time, avoid ...time.Time) PastTerm {
	today := london.StartOfDay(now)
	skip := map[string]bool{}
	for _, d := range avoid {
		skip[d.In(london.Zone).Format(time.DateOnly)] = true
	}
	var days []time.Time
	for d := PastTermStart(now); d.Before(today); d = d.AddDate(0, 0, 1) {
		if workday.Is(d) && !skip[d.In(london.Zone).Format(time.DateOnly)] {
			days = append(days, d)
		}
	}
	var rooms []int
	online := -1
	for i, v := range Venues {
		if v.Online {
			online = i
		} else {
			rooms = append(rooms, i)
		}
	}
	n := min(PastSessions, len(days))
	var plan PastTerm
	for i := range n {
		day := days[(2*i+1)*len(days)/(2*n)]
		ci := i % len(Courses)
		c := Courses[ci]
		venue := rooms[i%len(rooms)]
		if online >= 0 && slices.Contains(c.DeliveryModes, catalogue.Online) &&
			(!slices.Contains(c.DeliveryModes, catalogue.InPerson) || i%3 == 1) {
			venue = online
		}
		start, end := at(day, 9, 30), at(day, 16, 0)
		if c.Duration == catalogue.HalfDay {
			start, end = at(day, 9, 30), at(day, 12, 30)
		}
		capacity := c.DefaultCapacity
		if venue != online {
			capacity = min(capacity, Venues[venue].Capacity)
		}
		s := PastSession{Course: ci, Venue: venue, StartsAt: start, EndsAt: end, Capacity: capacity,
			Status: catalogue.SessionCompleted, ClosedToAgency: -1}
		switch {
		case i == 9 || i == 22 || i == 33:
			s.Status, s.CancelledReason = catalogue.SessionCancelled, cancelledReasons[(i/11)%len(cancelledReasons)]
		case i == n-1:
			s.Status = catalogue.SessionPublished // ended, the register not yet taken
		case i == 5 || i == 26:
			s.ClosedToAgency = requesterAgency(i)
		}
		if s.Status != catalogue.SessionCancelled {
			s.Trainers = pastPair(i, c.Slug)
		}
		plan.Sessions = append(plan.Sessions, s)
	}
	plan.Places = planPlaces(plan.Sessions)
	return plan
}

// pastPair is who delivers past session i of the course: one of the four
// more trainers, with the demo trainer or co-trainer on their own courses,
// or with another of the four.
func pastPair(i int, slug string) []string {
	first := pastTrainers[i%len(pastTrainers)].Email
	switch {
	case i%2 == 0 && slices.Contains(trainerCourses["trainer@example.org"], slug):
		return []string{first, "trainer@example.org"}
	case slices.Contains(trainerCourses["cotrainer@example.org"], slug):
		return []string{first, "cotrainer@example.org"}
	default:
		return []string{first, pastTrainers[(i+1)%len(pastTrainers)].Email}
	}
}

// requesterAgency is the agency of the colleague who asked for the closed
// session i (see pastRequests).
func requesterAgency(i int) int { return requesterOf(i) % len(Agencies) }

func requesterOf(session int) int { return (session*7 + 3) % PastColleagues }

// planPlaces fills each session: full ones with a waiting list that never
// got a place, the rest between 60% and 90%; on each, people who came, a
// few late, some absent; cancellations outside and inside the cut-off; a
// place passed to a colleague; and some places moved to the course's next
// session.
func planPlaces(sessions []PastSession) []PastPlace {
	var places []PastPlace
	used := make([]map[int]bool, len(sessions))
	confirmed := make([]int, len(sessions))
	for i := range sessions {
		used[i] = map[int]bool{}
	}
	add := func(p PastPlace) int {
		used[p.Session][p.Person] = true
		p.N = len(used[p.Session])
		places = append(places, p)
		return len(places) - 1
	}
	for i, s := range sessions {
		next := 0
		pick := func() int {
			for {
				p := (i*37 + next*11) % PastColleagues
				if s.ClosedToAgency >= 0 {
					// Only the agency's own people.
					if p = s.ClosedToAgency + next*len(Agencies); p >= PastColleagues {
						return -1
					}
				}
				next++
				if !used[i][p] {
					return p
				}
			}
		}
		if s.Status == catalogue.SessionCancelled {
			for range 4 {
				add(PastPlace{Session: i, Person: pick(), Outcome: placeSessionOff, Ref: -1})
			}
			continue
		}
		popular := i%4 == 0 && s.ClosedToAgency < 0
		want := s.Capacity * (6 + i%4) / 10
		if popular {
			want = s.Capacity
		}
		if s.ClosedToAgency >= 0 {
			want = s.Capacity
		}
		for m := range want {
			p := pick()
			if p < 0 {
				break
			}
			outcome := placeAttended
			switch {
			case s.Status == catalogue.SessionPublished:
				outcome = placeUnmarked
			case m%9 == 4:
				outcome = placeAbsent
			case m%12 == 7:
				outcome = placeLate
			}
			idx := add(PastPlace{Session: i, Person: p, Outcome: outcome, Ref: -1})
			confirmed[i]++
			// Every other session, the second place was passed on by a
			// colleague of the same agency who could not come.
			if m == 1 && i%2 == 0 && s.ClosedToAgency < 0 {
				from := p + len(Agencies)
				if from >= PastColleagues {
					from = p - len(Agencies)
				}
				if from >= 0 && !used[i][from] {
					add(PastPlace{Session: i, Person: from, Outcome: placeSubstituted, Ref: idx})
				}
			}
		}
		if s.ClosedToAgency >= 0 {
			continue
		}
		if p := pick(); p >= 0 {
			add(PastPlace{Session: i, Person: p, Outcome: placeCancelled, Ref: -1})
		}
		if i%3 != 2 {
			if p := pick(); p >= 0 {
				add(PastPlace{Session: i, Person: p, Outcome: placeLateCancel, Ref: -1})
			}
		}
		if popular {
			for k := range 4 {
				outcome := placeWaiting
				if k == 3 {
					outcome = placeExpired
				}
				add(PastPlace{Session: i, Person: pick(), Outcome: outcome, Ref: -1})
			}
		}
	}
	// Moves: on every third session, one person moved to the course's next
	// session that ran and had room, where they came.
	for i, s := range sessions {
		if i%3 != 1 || s.Status != catalogue.SessionCompleted || s.ClosedToAgency >= 0 {
			continue
		}
		for j := i + 1; j < len(sessions); j++ {
			t := sessions[j]
			if t.Course != s.Course || t.Status != catalogue.SessionCompleted || t.ClosedToAgency >= 0 ||
				confirmed[j] >= t.Capacity {
				continue
			}
			for k := range PastColleagues {
				p := (i*53 + k*13 + 7) % PastColleagues
				if used[i][p] || used[j][p] {
					continue
				}
				to := add(PastPlace{Session: j, Person: p, Outcome: placeAttended, Ref: -1})
				confirmed[j]++
				add(PastPlace{Session: i, Person: p, Outcome: placeMoved, Ref: to})
				break
			}
			break
		}
	}
	return places
}

// Colleagues of the past term: first and last names combined so that no two
// people share a name, spread over every demo agency.
var (
	pastFirstNames = []string{"Aisha", "Ben", "Chloe", "Daniel", "Emma", "Farid", "Georgia", "Harry", "Imogen", "Jack",
		"Kiran", "Laura", "Mohammed", "Natalie", "Oliver", "Poppy", "Qasim", "Rosie", "Samuel", "Tara",
		"Usman", "Victoria", "William", "Yasmin", "Zac", "Hannah", "Leon", "Megan", "Ravi", "Sophie"}
	pastLastNames = []string{"Abbott", "Begum", "Clarke", "Dawson", "Edwards", "Fletcher", "Green", "Hussain", "Ibrahim",
		"Jones", "Kaur", "Lowe", "Mitchell", "Nowak", "Obi", "Quinn", "Reid", "Singh", "Turner", "Underwood",
		"Vaughan", "Walsh", "Young", "Zielinski", "Barker"}
	pastJobTitles = map[agency.Sector][]string{
		agency.SectorPolice:         {"Police constable", "Detective constable", "Police community support officer"},
		agency.SectorHealth:         {"Health visitor", "Staff nurse", "School nurse", "Paramedic", "GP"},
		agency.SectorEducation:      {"Teacher", "Designated safeguarding lead", "Teaching assistant", "Early years practitioner"},
		agency.SectorLocalAuthority: {"Social worker", "Family support worker", "Housing officer", "Early help practitioner"},
		agency.SectorProbationYouth: {"Probation officer", "Youth justice worker"},
		agency.SectorVoluntary:      {"Youth worker", "Outreach worker", "Volunteer coordinator"},
		agency.SectorFaith:          {"Parish safeguarding officer", "Youth and children's minister"},
		agency.SectorPrivate:        {"Care home manager", "Clinic nurse"},
		agency.SectorFire:           {"Firefighter", "Community safety officer"},
		agency.SectorOther:          {"Family court adviser", "Welfare officer"},
	}
	pastLineManagers = [][2]string{
		{"Sam Patel", "sam.patel@example.org"}, {"Jo Williams", "jo.williams@example.org"},
		{"Chris Baker", "chris.baker@example.org"}, {"Nina Shaw", "nina.shaw@example.org"},
	}
)

// PastColleague is the demo colleague with this index: no password.
func PastColleague(i int) account.DemoPerson {
	first := pastFirstNames[i%len(pastFirstNames)]
	last := pastLastNames[(i/len(pastFirstNames)+i)%len(pastLastNames)]
	a := Agencies[i%len(Agencies)]
	titles := pastJobTitles[a.Sector]
	title := "Practitioner"
	if len(titles) > 0 {
		title = titles[i%len(titles)]
	}
	return account.DemoPerson{
		Email:    strings.ToLower(first + "." + last + "@example.org"),
		FullName: first + " " + last, JobTitle: title, Agency: a.Name, PasswordHash: "!",
	}
}
