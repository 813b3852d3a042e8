package catalogue

// Level is a course's competency level. Multi-agency courses run from a
// foundation in shared safeguarding practice (1) to advanced work for leads
// and specialists (3).
type Level int16

const (
	Level1 Level = 1
	Level2 Level = 2
	Level3 Level = 3
)

// Levels lists every level, lowest first.
var Levels = []Level{Level1, Level2, Level3}

func (l Level) Valid() bool { return l >= Level1 && l <= Level3 }

// Name is the short label shown on course cards, e.g. "Level 2".
func (l Level) Name() string {
	switch l {
	case Level1:
		return "Level 1"
	case Level2:
		return "Level 2"
	case Level3:
		return "Level 3"
	}
	return "Unknown level"
}

// Description says in plain words who a level is for.
func (l Level) Description() string {
	switch l {
	case Level1:
		return "Foundation: for anyone new to multi-agency safeguarding work"
	case Level2:
		return "Intermediate: for practitioners who work directly with children and families"
	case Level3:
		return "Advanced: for safeguarding leads, supervisors and specialists"
	}
	return ""
}

// Audience is a group of people a course is written for. A course has one or
// more; the catalogue filters on them.
type Audience string

const (
	AudienceEveryone      Audience = "everyone"      // anyone who works or volunteers with children
	AudiencePractitioners Audience = "practitioners" // work directly with children and families
	AudienceLeads         Audience = "leads"         // safeguarding leads, supervisors, managers
)

// Audiences lists every audience in the order the filter shows them.
var Audiences = []Audience{AudienceEveryone, AudiencePractitioners, AudienceLeads}

func (a Audience) Valid() bool {
	switch a {
	case AudienceEveryone, AudiencePractitioners, AudienceLeads:
		return true
	}
	return false
}

func (a Audience) Label() string {
	switch a {
	case AudienceEveryone:
		return "Anyone who works or volunteers with children and families"
	case AudiencePractitioners:
		return "Practitioners who work directly with children and families"
	case AudienceLeads:
		return "Safeguarding leads, supervisors and managers"
	}
	return string(a)
}

// Duration is how long one session of a course lasts.
type Duration string

const (
	HalfDay Duration = "half_day"
	FullDay Duration = "full_day"
)

func (d Duration) Valid() bool { return d == HalfDay || d == FullDay }

func (d Duration) Label() string {
	switch d {
	case HalfDay:
		return "Half day"
	case FullDay:
		return "Full day"
	}
	return string(d)
}

// DeliveryMode is how a course can be delivered.
type DeliveryMode string

const (
	InPerson DeliveryMode = "in_person"
	Online   DeliveryMode = "online"
)

// DeliveryModes lists every mode in the order the filter shows them.
var DeliveryModes = []DeliveryMode{InPerson, Online}

func (m DeliveryMode) Valid() bool { return m == InPerson || m == Online }

func (m DeliveryMode) Label() string {
	switch m {
	case InPerson:
		return "In person"
	case Online:
		return "Online"
	}
	return string(m)
}
