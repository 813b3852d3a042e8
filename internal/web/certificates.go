package web

import (
	"errors"
	"fmt"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/pscp/booktraining/internal/certificate"
	"github.com/pscp/booktraining/internal/errs"
	"github.com/pscp/booktraining/internal/london"
)

// --- Certificates: the person's own, and anyone's check of a code ---

type certificatesPage struct {
	Lines []certificateLine
	Total string
}

type certificateLine struct {
	certificate.RecordLine
	// Evaluate is the page of the evaluation the certificate waits for, or "".
	Evaluate string
}

func (l certificateLine) GroupedCode() string { return certificate.GroupedCode(l.Code) }

// myCertificates lists the places the person attended, each with its
// certificate to download, and their training record as a PDF.
func (a *app) myCertificates(c *fiber.Ctx) error {
	r, err := a.deps.Certificates.Record(c.UserContext())
	if err != nil {
		return err
	}
	// A certificate the evaluation gate holds back links to its evaluation
	// instead of the download (the gate is certificate.Ready's; the places
	// it holds back are asked of evaluation).
	waiting, err := a.deps.Evaluations.AwaitingEvaluation(c.UserContext())
	if err != nil {
		return err
	}
	p := certificatesPage{Total: r.TotalHours()}
	for _, l := range r.Lines {
		line := certificateLine{RecordLine: l}
		if l.Code == "" {
			line.Evaluate = waiting[l.BookingID]
		}
		p.Lines = append(p.Lines, line)
	}
	return a.render(c, fiber.StatusOK, "certificates/mine", "Your certificates", p)
}

// certificatePDF is the certificate of the person's own attended place,
// made on first asking. Someone else's place is not found (404), as one that
// does not exist; a place not attended gets a page saying why.
func (a *app) certificatePDF(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	pdf, cert, err := a.deps.Certificates.PDF(c.UserContext(), id)
	if href := evaluationGateLink(err, id); href != "" {
		msg, _ := errs.PublicMessage(err)
		return a.message(c, fiber.StatusConflict, "Evaluate the session to get your certificate", messagePage{
			Paragraphs: []string{msg},
			Link:       &link{Href: href, Text: "Evaluate the session"},
		})
	}
	if errors.Is(err, certificate.ErrNotAttended) {
		return a.message(c, fiber.StatusConflict, "There is no certificate for this place", messagePage{
			Paragraphs: []string{
				"The register for this session does not show that you attended.",
				"A certificate is ready once the trainer has marked you as attended. If you did attend, ask the training team to correct the register.",
			},
			Link: &link{Href: "/my-training/certificates", Text: "Your certificates"},
		})
	} else if err != nil {
		return err
	}
	return sendPDF(c, pdf, fmt.Sprintf("certificate-%s.pdf", cert.Code))
}

// trainingRecordPDF is everything the person attended, as a PDF for a CPD
// portfolio or revalidation.
func (a *app) trainingRecordPDF(c *fiber.Ctx) error {
	pdf, err := a.deps.Certificates.RecordPDF(c.UserContext(), a.partnershipOf(c).Name)
	if err != nil {
		return err
	}
	return sendPDF(c, pdf, "training-record-"+london.ISODate(a.deps.Now())+".pdf")
}

func sendPDF(c *fiber.Ctx, pdf []byte, filename string) error {
	c.Set(fiber.HeaderContentType, "application/pdf")
	c.Set(fiber.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="%s"`, filename))
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	return c.Send(pdf)
}

type certificateCheckPage struct {
	Code     string // as typed, to show it again
	Grouped  string // the code as printed on the certificate
	Unknown  bool   // no certificate has the code
	Verified certificate.Verified
}

// checkCertificate is the form where anyone types a code from a
// certificate; it sends them to the code's own page.
func (a *app) checkCertificate(c *fiber.Ctx) error {
	typed := strings.TrimSpace(c.Query("code"))
	if typed == "" {
		return a.render(c, fiber.StatusOK, "certificates/check", "Check a certificate", certificateCheckPage{})
	}
	if code := certificate.NormalCode(typed); code != "" {
		return c.Redirect("/certificates/"+code, fiber.StatusSeeOther)
	}
	return a.render(c, fiber.StatusNotFound, "certificates/check", "No certificate has this code",
		certificateCheckPage{Code: typed, Unknown: true})
}

// verifyCertificate shows anyone who holds a certificate's code that it is
// genuine: the name, course and date, nothing more. A code no certificate
// has (never made, mistyped, or its person erased) is a not-found page.
func (a *app) verifyCertificate(c *fiber.Ctx) error {
	typed := c.Params("code")
	v, err := a.deps.Certificates.Verify(c.UserContext(), typed)
	if errors.Is(err, certificate.ErrUnknownCode) {
		return a.render(c, fiber.StatusNotFound, "certificates/check", "No certificate has this code",
			certificateCheckPage{Code: typed, Unknown: true})
	} else if err != nil {
		return err
	}
	code := certificate.NormalCode(typed)
	return a.render(c, fiber.StatusOK, "certificates/verified", "This certificate is genuine",
		certificateCheckPage{Code: code, Grouped: certificate.GroupedCode(code), Verified: v})
}
