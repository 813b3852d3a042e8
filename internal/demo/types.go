package demo

import (
	"github.com/pscp/booktraining/internal/agency"
	"github.com/pscp/booktraining/internal/catalogue"
)

// Agency is one partner organisation in the demo data.
type Agency struct {
	Name         string
	Sector       agency.Sector
	ChargingBand agency.ChargingBand
}

// Course is one course of the sixteen-course programme.
type Course struct {
	Slug                string // lower-case words joined by hyphens, unique
	Title               string
	Summary             string   // one or two sentences for the course list
	Description         string   // two or three short paragraphs, separated by a blank line ("\n\n")
	LearningOutcomes    []string // 3 to 5, each completing "By the end of the course you will be able to…"
	AudienceDescription string   // who should attend, in plain words, one or two sentences
	Audiences           []catalogue.Audience
	Level               catalogue.Level
	Duration            catalogue.Duration
	DeliveryModes       []catalogue.DeliveryMode
	DefaultCapacity     int
}

// Venue is a training room, or an online platform when Online is true (then
// the address fields, capacity and directions are empty).
type Venue struct {
	Name               string
	Online             bool
	AddressLine1       string
	AddressLine2       string
	Town               string
	Postcode           string
	Capacity           int
	AccessibilityNotes string
	Directions         string
}
