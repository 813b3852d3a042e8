package ical

import (
	ics "github.com/arran4/golang-ical"
)

// vtimezone describes Europe/London's rules since 1996, for calendars that do
// not know the zone by name: British Summer Time from 1am GMT on the last
// Sunday in March to 1am GMT (2am BST) on the last Sunday in October. Each
// DTSTART is in the local time in force before the change.
func vtimezone() *ics.VTimezone {
	tz := ics.NewTimezone(Zone)
	tz.SetProperty(ics.ComponentProperty("X-LIC-LOCATION"), Zone)
	rule := func(c *ics.ComponentBase, name, from, to, start, rrule string) {
		c.SetProperty(ics.ComponentProperty("TZNAME"), name)
		c.SetProperty(ics.ComponentProperty("TZOFFSETFROM"), from)
		c.SetProperty(ics.ComponentProperty("TZOFFSETTO"), to)
		c.SetProperty(ics.ComponentPropertyDtStart, start)
		c.SetProperty(ics.ComponentPropertyRrule, rrule)
	}
	daylight := &ics.Daylight{}
	rule(&daylight.ComponentBase, "BST", "+0000", "+0100", "19810329T010000", "FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU")
	tz.Components = append(tz.Components, daylight)
	standard := tz.AddStandard()
	rule(&standard.ComponentBase, "GMT", "+0100", "+0000", "19961027T020000", "FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU")
	return tz
}
