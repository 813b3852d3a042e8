// Package registry assembles the privacy registry: every part of the product
// that stores personal data, in the order of the download. It is its own
// package because it imports every domain package, which package privacy
// (imported by them) cannot; cmd/server and the tests both use New, so what
// is tested is what runs.
package registry

import (
	"fmt"

	"github.com/pscp/booktraining/internal/account"
	"github.com/pscp/booktraining/internal/agency"
	"github.com/pscp/booktraining/internal/audit"
	"github.com/pscp/booktraining/internal/booking"
	"github.com/pscp/booktraining/internal/calendar"
	"github.com/pscp/booktraining/internal/certificate"
	"github.com/pscp/booktraining/internal/email"
	"github.com/pscp/booktraining/internal/evaluation"
	"github.com/pscp/booktraining/internal/payment"
	"github.com/pscp/booktraining/internal/prerequisite"
	"github.com/pscp/booktraining/internal/privacy"
	"github.com/pscp/booktraining/internal/queue"
	"github.com/pscp/booktraining/internal/renewal"
	"github.com/pscp/booktraining/internal/trainer"
	"github.com/pscp/booktraining/internal/trainingrequest"
)

// New returns the registry of every part. A new table holding personal data
// gets a part in its package's PersonalData, listed here (the schema test
// fails until it is).
func New() *privacy.Registry {
	r := &privacy.Registry{}
	r.Register(account.PersonalData()...)
	r.Register(audit.PersonalData()...)
	r.Register(audit.ViewsPart())
	r.Register(email.PersonalData()...)
	r.Register(booking.PersonalData()...)
	r.Register(certificate.PersonalData()...)
	r.Register(evaluation.PersonalData()...)
	r.Register(payment.PersonalData()...)
	r.Register(trainingrequest.PersonalData()...)
	r.Register(trainer.PersonalData()...)
	r.Register(calendar.PersonalData()...)
	r.Register(agency.PersonalData()...)
	r.Register(prerequisite.PersonalData()...)
	r.Register(renewal.PersonalData()...)
	return r
}

// Cleaners returns the retention schedule's rules that each part applies to
// its own records, by rule key, for privacy.NewEnforcer: accounts (erasing
// and warning through accounts), emails, the audit log, jobs, training
// requests, bookings, trainers' time off, and payments and charges. It panics on a key two parts claim.
func Cleaners(accounts *account.Service) map[string]privacy.Cleaner {
	all := map[string]privacy.Cleaner{}
	for _, part := range []map[string]privacy.Cleaner{
		accounts.Retention(), trainingrequest.Retention(), email.Retention(), queue.Retention(), audit.Retention(),
		booking.Retention(), trainer.Retention(), payment.Retention(), evaluation.Retention(),
		prerequisite.Retention(),
		renewal.Retention(),
	} {
		for k, c := range part {
			if all[k] != nil {
				panic(fmt.Sprintf("registry: two parts apply the retention rule %q", k))
			}
			all[k] = c
		}
	}
	return all
}
