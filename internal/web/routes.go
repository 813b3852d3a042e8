package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/pscp/booktraining/internal/account"
	"github.com/pscp/booktraining/internal/queue"
)

// access is who may use a route. It is checked on the server for every
// request, before the handler runs.
type access string

const (
	// anyone: no sign-in (public pages, signing in and up).
	anyone access = "anyone"
	// secret: no sign-in; a secret the caller holds is checked instead (the
	// calendar feed's token, the metrics token, Stripe's signature).
	secret access = "secret"
	// signedInOnly: any signed-in person.
	signedInOnly access = "signed-in"
	// Roles: a signed-in person holding the role; anyone else signed in is
	// refused (403).
	managerOnly     access = "manager"
	coordinatorOnly access = "coordinator"
	trainerOnly     access = "trainer"
	// ownAgency: a coordinator, for a person or request of their own agency
	// only; another agency's id is not found (404), so ids cannot be probed.
	ownAgency access = "coordinator of this agency"
)

// The guards, each declared once. A route's access names one of them.
var (
	manager     = managing
	coordinator = requireRole(account.Coordinator)
	trainerRole = requireRole(account.Trainer)
)

// guard is the middleware that lets through only who access allows; nil for
// routes whose handler checks a secret or needs no sign-in.
func (w access) guard() fiber.Handler {
	switch w {
	case signedInOnly:
		return signedIn
	case managerOnly:
		return manager
	case coordinatorOnly, ownAgency:
		return coordinator
	case trainerOnly:
		return trainerRole
	}
	return nil
}

// route is one line of the route table.
type route struct {
	method  string
	path    string
	who     access
	handler fiber.Handler
}

// edgeRoutes are answered before the sign-in session and CSRF middleware:
// probes, metrics and Stripe's webhook (its signature over the raw body is
// checked instead of a CSRF token).
func (a *app) edgeRoutes() []route {
	return []route{
		{"GET", "/healthz", anyone, a.healthz},
		{"GET", "/readyz", anyone, a.readyz},
		{"GET", "/metrics", secret, a.serveMetrics},
		{"POST", "/stripe/webhook", secret, a.stripeWebhook},
	}
}

// areas are path prefixes whose every path, known or not, is guarded: an
// unknown page under /admin asks a stranger to sign in and refuses a
// practitioner, as a known one does, so the area's map is not shown.
var areas = []struct {
	prefix string
	who    access
}{
	{"/account", signedInOnly},
	{"/admin", managerOnly},
	{"/agency", coordinatorOnly},
	{"/trainer", trainerOnly},
}

// pageRoutes is every page and action, who may use it and its handler, in
// the order they are matched. It reads like the README's routes table.
func (a *app) pageRoutes() []route {
	ad := &admin{app: a, people: a.deps.People, agencies: a.deps.Agencies}
	res := &resources{app: a, venues: a.deps.Venues}
	tr := &trainers{app: a, trainers: a.deps.Trainers}
	ev := &evaluations{app: a, svc: a.deps.Evaluations, rendered: newRenderedKept()}
	pr := &prices{app: a, payments: a.deps.Payments}
	rp := reports{app: a, bodies: newReportBodies()}
	pq := &prerequisites{app: a, svc: a.deps.Prerequisites}

	rs := []route{
		// Public pages
		{"GET", "/", anyone, a.home},
		{"GET", "/courses", anyone, a.courses},
		{"GET", "/courses/:slug", anyone, a.course},
		{"GET", "/privacy", anyone, a.privacyNotice},
		{"GET", "/accessibility", anyone, a.staticPage("accessibility", "Accessibility statement")},
		{"GET", "/cookies", anyone, a.staticPage("cookies", "Cookies")},
		{"GET", "/calendar/:token.ics", secret, a.calendarFeed},
		{"GET", "/certificates", anyone, a.checkCertificate},
		{"GET", "/certificates/:code", anyone, a.verifyCertificate},

		// Signing up, in and out
		{"GET", "/sign-up", anyone, a.signUpForm},
		{"POST", "/sign-up", anyone, a.signUp},
		{"GET", "/sign-up/check-email", anyone, a.checkEmail("sign-up")},
		{"GET", "/verify-email", anyone, a.verifyEmailForm},
		{"POST", "/verify-email", anyone, a.verifyEmail},
		{"GET", "/sign-in", anyone, a.signInForm},
		{"POST", "/sign-in", anyone, a.signIn},
		{"POST", "/sign-out", anyone, a.signOut},
		{"GET", "/forgot-password", anyone, a.forgotForm},
		{"POST", "/forgot-password", anyone, a.forgot},
		{"GET", "/forgot-password/check-email", anyone, a.checkEmail("reset")},
		{"GET", "/reset-password", anyone, a.resetForm},
		{"POST", "/reset-password", anyone, a.reset},
		// Not under /account: that prefix needs a signed-in person, and by
		// now there is none.
		{"GET", "/deleted-account", anyone, a.accountDeleted},

		// Your account and your data
		{"GET", "/account", signedInOnly, a.accountHome},
		{"POST", "/account/resend-verification", signedInOnly, a.resendVerification},
		{"GET", "/account/password", signedInOnly, a.passwordForm},
		{"POST", "/account/password", signedInOnly, a.changePassword},
		{"GET", "/account/profile", signedInOnly, a.profileForm},
		{"POST", "/account/profile", signedInOnly, a.updateProfile},
		{"GET", "/account/agency", signedInOnly, a.agencyForm},
		{"POST", "/account/agency", signedInOnly, a.requestAgencyChange},
		{"POST", "/account/agency/cancel", signedInOnly, a.cancelAgencyChange},
		{"GET", "/account/data", signedInOnly, a.dataPage},
		{"POST", "/account/data/download", signedInOnly, a.downloadData},
		{"GET", "/account/delete", signedInOnly, a.deleteForm},
		{"POST", "/account/delete", signedInOnly, a.deleteAccount},

		// Booking, paying and your training
		{"GET", "/sessions/:id<int>/book", signedInOnly, a.bookForm},
		{"POST", "/sessions/:id<int>/book", signedInOnly, a.book},
		{"GET", "/invite/:token", signedInOnly, a.inviteForm},
		{"GET", "/bookings/:id<int>", signedInOnly, a.bookingShow},
		{"GET", "/bookings/:id<int>/calendar.ics", signedInOnly, a.bookingCalendarFile},
		{"GET", "/bookings/:id<int>/cancel", signedInOnly, a.cancelForm},
		{"POST", "/bookings/:id<int>/cancel", signedInOnly, a.cancelBooking},
		{"GET", "/bookings/:id<int>/substitute", signedInOnly, a.substituteForm},
		{"POST", "/bookings/:id<int>/substitute", signedInOnly, a.substitute},
		{"POST", "/bookings/:id<int>/accept", signedInOnly, a.acceptOffer},
		{"POST", "/bookings/:id<int>/leave", signedInOnly, a.leave},
		{"GET", "/bookings/:id<int>/pay", signedInOnly, a.payForm},
		{"POST", "/bookings/:id<int>/pay", signedInOnly, a.pay},
		{"GET", "/bookings/:id<int>/paid", signedInOnly, a.paid},
		{"GET", "/my-training", signedInOnly, a.myTraining},
		{"GET", "/my-training/record", signedInOnly, a.trainingRecord},
		{"GET", "/my-training/record.pdf", signedInOnly, a.trainingRecordPDF},
		{"GET", "/my-training/certificates", signedInOnly, a.myCertificates},
		{"GET", "/my-training/certificates/:id<int>", signedInOnly, a.certificatePDF},
		{"POST", "/my-training/calendar/reset", signedInOnly, a.resetFeed("/my-training?done=feed-reset#calendar-feed")},
		// Prior learning: a person's claim of training done elsewhere, for
		// a training manager to confirm.
		{"GET", "/my-training/prior-learning/new", signedInOnly, pq.claimForm},
		{"POST", "/my-training/prior-learning/new", signedInOnly, pq.claim},
		// Evaluation: the person's own evaluation of a session they attended
		// and their impact follow-up (someone else's place is not found), and
		// a line manager's follow-up through the link emailed to them, which
		// needs no account (its token is the secret, checked by the service).
		{"GET", "/my-training/evaluations/:id<int>", signedInOnly, a.evaluationForm},
		{"POST", "/my-training/evaluations/:id<int>", signedInOnly, a.evaluationSubmit},
		{"GET", "/my-training/follow-ups/:id<int>", signedInOnly, a.followUpForm},
		{"POST", "/my-training/follow-ups/:id<int>", signedInOnly, a.followUpSubmit},
		{"GET", "/follow-ups/:token", anyone, a.lineManagerForm},
		{"POST", "/follow-ups/:token", anyone, a.lineManagerSubmit},
		// A line manager's approval of a booking, through the link emailed
		// to them (no account; its token is the secret, checked by booking).
		{"GET", "/approvals/:token", anyone, a.approvalForm},
		{"POST", "/approvals/:token", anyone, a.approvalSubmit},
		// The register: the session's trainer or a manager (checked by the
		// handler; anyone else is refused).
		{"GET", "/sessions/:id<int>/register", signedInOnly, a.showRegister},
		{"POST", "/sessions/:id<int>/register", signedInOnly, a.takeRegister},
		{"POST", "/sessions/:id<int>/register/everyone-attended", signedInOnly, a.markEveryoneAttended},

		// Training requests
		{"GET", "/training-requests", signedInOnly, a.trainingRequestList},
		{"GET", "/training-requests/new", signedInOnly, a.trainingRequestNewForm},
		{"POST", "/training-requests/new", signedInOnly, a.trainingRequestCreate},
		{"GET", "/training-requests/:id<int>", signedInOnly, a.trainingRequestShow},
		{"POST", "/training-requests/:id<int>/messages", signedInOnly, a.trainingRequestMessage},

		// Trainers
		{"GET", "/trainer/sessions", trainerOnly, tr.mySessions},
		{"GET", "/trainer/sessions/:id", trainerOnly, tr.mySession},
		{"POST", "/trainer/calendar/reset", trainerOnly, a.resetFeed("/trainer/sessions?done=feed-reset#calendar-feed")},

		// Agency coordinators
		{"GET", "/agency/people", coordinatorOnly, ad.agencyPeople},
		{"GET", "/agency/people/:id", ownAgency, ad.agencyPerson},
		{"GET", "/agency/bookings", coordinatorOnly, a.agencyBookings},
		{"GET", "/agency/bookings/new", coordinatorOnly, a.agencyBookForm},
		{"POST", "/agency/bookings/new", coordinatorOnly, a.agencyBook},
		{"GET", "/agency/charges", coordinatorOnly, a.agencyCharges},
		{"GET", "/agency/agency-changes", coordinatorOnly, a.agencyChanges(account.Coordinator, "/agency/agency-changes")},
		{"POST", "/agency/agency-changes/:userID/confirm", ownAgency, a.decideAgencyChange(account.Coordinator, "/agency/agency-changes", true)},
		{"POST", "/agency/agency-changes/:userID/decline", ownAgency, a.decideAgencyChange(account.Coordinator, "/agency/agency-changes", false)},

		// Agency coordinators: their own agency's figures for a period
		// (?year=2026, or ?from=…&to=…), each table as CSV, and their staff's
		// training records for the section 11 audit
		{"GET", "/agency/reports", coordinatorOnly, a.agencyReports},
		{"GET", "/agency/reports/:table.csv", coordinatorOnly, a.agencyReportCSV},
		{"GET", "/agency/staff-training.csv", coordinatorOnly, a.staffTrainingCSV},
		// Agency coordinators: their staff's training status on courses that expire
		{"GET", "/agency/training", coordinatorOnly, a.agencyTraining},
		{"GET", "/agency/training.csv", coordinatorOnly, a.agencyTrainingCSV},

		// Training managers: where the day starts (what needs doing) and the
		// programme as a month calendar
		{"GET", "/admin", managerOnly, a.adminHome},
		{"GET", "/admin/sessions/calendar", managerOnly, a.programmeCalendar},

		// Training managers: the board's reports for a period (the period in
		// the query string), each table also as CSV
		{"GET", "/admin/reports", managerOnly, rp.index},
		{"GET", "/admin/reports/delivery", managerOnly, rp.page("delivery")},
		{"GET", "/admin/reports/delivery.csv", managerOnly, rp.csv("delivery")},
		{"GET", "/admin/reports/attendance", managerOnly, rp.page("attendance")},
		{"GET", "/admin/reports/attendance.csv", managerOnly, rp.csv("attendance")},
		{"GET", "/admin/reports/non-attendance", managerOnly, rp.page("non-attendance")},
		{"GET", "/admin/reports/non-attendance.csv", managerOnly, rp.csv("non-attendance")},
		{"GET", "/admin/reports/unmet-demand", managerOnly, rp.page("unmet-demand")},
		{"GET", "/admin/reports/unmet-demand.csv", managerOnly, rp.csv("unmet-demand")},
		{"GET", "/admin/reports/requests", managerOnly, rp.page("requests")},
		{"GET", "/admin/reports/requests.csv", managerOnly, rp.csv("requests")},
		{"GET", "/admin/reports/money", managerOnly, rp.page("money")},
		{"GET", "/admin/reports/money.csv", managerOnly, rp.csv("money")},
		{"GET", "/admin/reports/contribution", managerOnly, rp.page("contribution")},
		{"GET", "/admin/reports/contribution.csv", managerOnly, rp.csv("contribution")},
		{"GET", "/admin/reports/evaluation", managerOnly, rp.page("evaluation")},
		{"GET", "/admin/reports/hips", managerOnly, rp.hips},
		{"GET", "/admin/partnership", managerOnly, a.partnershipSettings},
		{"POST", "/admin/partnership", managerOnly, a.savePartnership},
		{"GET", "/admin/reports/evaluation.csv", managerOnly, rp.csv("evaluation")},
		{"GET", "/admin/reports/pack", managerOnly, rp.pack},
		{"POST", "/admin/reports/count-again", managerOnly, rp.countAgain},
		{"GET", "/admin/reports/contribution/trainers/:id<int>", managerOnly, rp.trainer},
		{"GET", "/admin/reports/contribution/trainers/:id<int>/sessions.csv", managerOnly, rp.trainerCSV},
		// Training managers: the board's annual pack, every report of a
		// period (?year=2026, or ?from=…&to=…) in one XLSX workbook
		{"GET", "/admin/reports/pack.xlsx", managerOnly, a.reportPack},

		// Training managers: people and organisations
		{"GET", "/admin/people", managerOnly, ad.peopleList},
		{"GET", "/admin/people/:id", managerOnly, ad.person},
		{"POST", "/admin/people/:id/roles", managerOnly, ad.grantRole},
		{"POST", "/admin/people/:id/roles/remove", managerOnly, ad.removeRole},
		{"POST", "/admin/people/:id/data", managerOnly, ad.downloadTheirData},
		{"GET", "/admin/people/:id/erase", managerOnly, ad.eraseForm},
		{"POST", "/admin/people/:id/erase", managerOnly, ad.eraseTheirAccount},
		{"GET", "/admin/organisations", managerOnly, ad.organisations},
		{"GET", "/admin/organisations/review", managerOnly, ad.organisation},
		{"POST", "/admin/organisations/add", managerOnly, ad.confirmOrganisation},
		{"POST", "/admin/organisations/merge", managerOnly, ad.mergeOrganisation},
		{"GET", "/admin/agencies", managerOnly, ad.agencyList},
		{"GET", "/admin/agencies/new", managerOnly, ad.newAgency},
		{"POST", "/admin/agencies/new", managerOnly, ad.createAgency},
		{"GET", "/admin/agencies/:id", managerOnly, ad.editAgency},
		{"POST", "/admin/agencies/:id", managerOnly, ad.updateAgency},
		{"POST", "/admin/agencies/:id/approval", managerOnly, ad.setAgencyApproval},
		{"POST", "/admin/agencies/:id/retire", managerOnly, ad.retireAgency(true)},
		{"POST", "/admin/agencies/:id/restore", managerOnly, ad.retireAgency(false)},
		{"GET", "/admin/agency-changes", managerOnly, a.agencyChanges(account.Manager, "/admin/agency-changes")},
		{"POST", "/admin/agency-changes/:userID/confirm", managerOnly, a.decideAgencyChange(account.Manager, "/admin/agency-changes", true)},
		{"POST", "/admin/agency-changes/:userID/decline", managerOnly, a.decideAgencyChange(account.Manager, "/admin/agency-changes", false)},

		// Training managers: records
		{"GET", "/admin/audit", managerOnly, ad.auditLog},
		{"GET", "/admin/emails", managerOnly, ad.emails},
		{"GET", "/admin/emails/:id", managerOnly, ad.email},
		{"GET", "/admin/retention", managerOnly, ad.retention},

		// Training managers: sessions
		{"GET", "/admin/sessions", managerOnly, a.programme},
		{"GET", "/admin/sessions/export.csv", managerOnly, a.programmeCSV},
		{"GET", "/admin/sessions/new", managerOnly, a.sessionNewForm},
		{"POST", "/admin/sessions/new", managerOnly, a.sessionCreate},
		{"GET", "/admin/sessions/series", managerOnly, a.seriesForm},
		{"POST", "/admin/sessions/series", managerOnly, a.seriesCreate},
		{"GET", "/admin/sessions/:id<int>", managerOnly, a.sessionShow},
		{"GET", "/admin/sessions/:id<int>/edit", managerOnly, a.sessionEditForm},
		{"POST", "/admin/sessions/:id<int>/edit", managerOnly, a.sessionEdit},
		{"POST", "/admin/sessions/:id<int>/publish", managerOnly, a.sessionAction("publish")},
		{"POST", "/admin/sessions/:id<int>/complete", managerOnly, a.sessionAction("complete")},
		{"GET", "/admin/sessions/:id<int>/cancel", managerOnly, a.sessionCancelForm},
		{"POST", "/admin/sessions/:id<int>/cancel", managerOnly, a.sessionCancel},
		{"GET", "/admin/sessions/:id<int>/bookings", managerOnly, a.sessionBookings},
		{"GET", "/admin/sessions/:id<int>/bookings/add", managerOnly, a.addPersonForm},
		{"POST", "/admin/sessions/:id<int>/bookings/add", managerOnly, a.addPerson},
	}
	for _, act := range []string{"remove", "move", "late", "reorder"} {
		p := "/admin/sessions/:id<int>/bookings/:booking<int>/" + act
		rs = append(rs,
			route{"GET", p, managerOnly, a.bookingChangeForm(act)},
			route{"POST", p, managerOnly, a.bookingChange(act)})
	}
	rs = append(rs, []route{
		// A place waiting for approval, approved by a manager for its line manager.
		{"POST", "/admin/sessions/:id<int>/bookings/:booking<int>/approve", managerOnly, a.approveForLineManager},
		{"GET", "/admin/sessions/:id/charges", managerOnly, a.sessionCharges},
		{"POST", "/admin/sessions/:id/charges", managerOnly, a.confirmCharges},

		// Training managers: courses, venues, prices, trainers
		{"GET", "/admin/courses", managerOnly, res.courseList},
		{"GET", "/admin/courses/new", managerOnly, res.newCourse},
		{"POST", "/admin/courses/new", managerOnly, res.createCourse},
		{"GET", "/admin/courses/:id", managerOnly, res.editCourse},
		{"POST", "/admin/courses/:id", managerOnly, res.updateCourse},
		{"POST", "/admin/courses/:id/retire", managerOnly, res.retireCourse(true)},
		{"POST", "/admin/courses/:id/restore", managerOnly, res.retireCourse(false)},
		{"POST", "/admin/courses/:id/share", managerOnly, res.shareCourse},
		{"POST", "/admin/courses/:id/offer", managerOnly, res.offerCourse},
		{"GET", "/admin/courses/:id/caps", managerOnly, res.courseCaps},
		{"POST", "/admin/courses/:id/caps", managerOnly, res.setCourseCaps},
		{"GET", "/admin/courses/:id/prices", managerOnly, pr.course},
		{"POST", "/admin/courses/:id/prices", managerOnly, pr.setCourse},
		{"GET", "/admin/courses/:id<int>/prerequisites", managerOnly, pq.page},
		{"POST", "/admin/courses/:id<int>/prerequisites", managerOnly, pq.add},
		{"POST", "/admin/courses/:id<int>/prerequisites/:requires<int>/remove", managerOnly, pq.remove},
		{"GET", "/admin/prior-learning", managerOnly, pq.claims},
		{"GET", "/admin/prior-learning/:id<int>", managerOnly, pq.claimPage},
		{"POST", "/admin/prior-learning/:id<int>", managerOnly, pq.decide},
		{"GET", "/admin/venues", managerOnly, res.venueList},
		{"GET", "/admin/venues/new", managerOnly, res.newVenue},
		{"POST", "/admin/venues/new", managerOnly, res.createVenue},
		{"GET", "/admin/venues/:id", managerOnly, res.editVenue},
		{"POST", "/admin/venues/:id", managerOnly, res.updateVenue},
		{"POST", "/admin/venues/:id/retire", managerOnly, res.retireVenue(true)},
		{"POST", "/admin/venues/:id/restore", managerOnly, res.retireVenue(false)},
		{"GET", "/admin/prices", managerOnly, pr.list},
		{"GET", "/admin/prices/charge-policy", managerOnly, pr.policy},
		{"POST", "/admin/prices/charge-policy", managerOnly, pr.setPolicy},
		{"GET", "/admin/trainers", managerOnly, tr.list},
		{"GET", "/admin/trainers/:id", managerOnly, tr.show},
		{"POST", "/admin/trainers/:id/courses", managerOnly, tr.saveCourses},
		{"POST", "/admin/trainers/:id/time-off", managerOnly, tr.addTimeOff},
		{"POST", "/admin/trainers/:id/time-off/:entryID/delete", managerOnly, tr.removeTimeOff},

		// Evaluation: the settings and standard questions (managers); the
		// results of a session (managers, and that session's trainers: the
		// service says 404 to another trainer) and of a course (managers)
		{"GET", "/admin/evaluation", managerOnly, ev.settings},
		{"POST", "/admin/evaluation", managerOnly, ev.saveSettings},
		{"GET", "/admin/evaluation/questions/new", managerOnly, ev.newQuestion},
		{"POST", "/admin/evaluation/questions/new", managerOnly, ev.addQuestion},
		{"GET", "/admin/evaluation/questions/:id<int>", managerOnly, ev.editQuestion},
		{"POST", "/admin/evaluation/questions/:id<int>", managerOnly, ev.changeQuestion},
		{"POST", "/admin/evaluation/questions/:id<int>/remove", managerOnly, ev.removeQuestion},
		{"POST", "/admin/evaluation/questions/:id<int>/up", managerOnly, ev.moveQuestion(true)},
		{"POST", "/admin/evaluation/questions/:id<int>/down", managerOnly, ev.moveQuestion(false)},
		{"GET", "/admin/sessions/:id<int>/evaluation", managerOnly, ev.sessionResults},
		{"GET", "/admin/sessions/:id<int>/evaluation.csv", managerOnly, ev.sessionCSV},
		{"GET", "/admin/courses/:id<int>/evaluation", managerOnly, ev.courseResults},
		{"GET", "/admin/courses/:id<int>/evaluation.csv", managerOnly, ev.courseCSV},
		{"GET", "/trainer/sessions/:id<int>/evaluation", trainerOnly, ev.trainerSessionResults},

		// Training managers: money
		{"GET", "/admin/invoicing", managerOnly, a.invoicing},
		{"GET", "/admin/invoicing/export.csv", managerOnly, a.invoicingCSV},
		{"POST", "/admin/invoicing/invoiced", managerOnly, a.markInvoiced},
		{"POST", "/admin/invoicing/paid", managerOnly, a.markPaid},

		// Training managers: what needs attention
		{"GET", "/admin/attention", managerOnly, a.attention},
		{"POST", "/admin/attention/:id/retry", managerOnly, a.retryJob},
		{"POST", "/admin/attention/:id/dealt-with", managerOnly, a.jobDealtWith},
		{"GET", "/admin/training-requests", managerOnly, a.trainingRequestQueue},
		{"GET", "/admin/training-requests/:id<int>", managerOnly, a.trainingRequestAdminShow},
		{"POST", "/admin/training-requests/:id<int>/messages", managerOnly, a.trainingRequestAdminMessage},
		{"GET", "/admin/training-requests/:id<int>/accept", managerOnly, a.trainingRequestAcceptForm},
		{"POST", "/admin/training-requests/:id<int>/accept", managerOnly, a.trainingRequestAccept},
		{"POST", "/admin/training-requests/:id<int>/decline", managerOnly, a.trainingRequestDecline},
	}...)
	return rs
}

// add registers rs on f, each behind its guard and named by its access, so
// that a test walking f.GetRoutes() can prove every route's guard.
func add(f *fiber.App, rs []route) {
	for _, r := range rs {
		handlers := []fiber.Handler{r.handler}
		if g := r.who.guard(); g != nil {
			handlers = []fiber.Handler{g, r.handler}
		}
		if r.method == fiber.MethodGet {
			f.Get(r.path, handlers...).Name(string(r.who)) // and HEAD
		} else {
			f.Add(r.method, r.path, handlers...).Name(string(r.who))
		}
	}
}

// addPages registers the guards of the areas, then every page, then River
// UI (a manager's, under its own prefix).
func (a *app) addPages(f *fiber.App) {
	for _, ar := range areas {
		f.Use(ar.prefix, ar.who.guard())
	}
	f.Use("/training-requests", signedIn)
	add(f, a.pageRoutes())
	if a.deps.JobsUI != nil {
		f.Use(queue.UIPrefix, manager, jobsUIHeaders, a.jobsUI())
	}
}
