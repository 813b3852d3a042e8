package certificate

import (
	"bytes"
	_ "embed"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"codeberg.org/go-pdf/fpdf"

	"github.com/pscp/booktraining/internal/catalogue"
	"github.com/pscp/booktraining/internal/london"
)

// DejaVu Sans (Bitstream Vera licence, fonts/LICENSE), from Debian's
// fonts-dejavu-core 2.37: it draws Latin with every accent, Welsh (ŵ, ŷ),
// Polish (ł, ż), Greek, Cyrillic, Hebrew and Arabic, so any name prints. The
// PDF carries only the glyphs it uses.
var (
	//go:embed fonts/DejaVuSans.ttf
	fontRegular []byte
	//go:embed fonts/DejaVuSans-Bold.ttf
	fontBold []byte
)

const family = "DejaVu"

// newDocument is an A4 page set up with the embedded font.
func newDocument(title, author string, at time.Time) *fpdf.Fpdf {
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.AddUTF8FontFromBytes(family, "", fontRegular)
	pdf.AddUTF8FontFromBytes(family, "B", fontBold)
	pdf.SetTitle(title, true)
	pdf.SetAuthor(author, true)
	pdf.SetCreator("Book safeguarding training", true)
	pdf.SetLang("en-GB")
	// The same certificate gives the same file.
	pdf.SetCreationDate(at)
	pdf.SetModificationDate(at)
	pdf.SetCatalogSort(true)
	pdf.SetMargins(20, 20, 20)
	pdf.SetAutoPageBreak(true, 20)
	return pdf
}

// hours words a length of training: "3 hours", "6.5 hours", "1 hour".
func hours(start, end time.Time) string {
	h := math.Round(end.Sub(start).Hours()*10) / 10
	if h == 1 {
		return "1 hour"
	}
	return strconv.FormatFloat(h, 'f', -1, 64) + " hours"
}

// levelName is "Level 2 (intermediate)".
func levelName(level int) string {
	l := catalogue.Level(level)
	name := l.Name()
	if d, _, ok := strings.Cut(l.Description(), ":"); ok {
		name += " (" + strings.ToLower(d) + ")"
	}
	return name
}

// GroupedCode is a code as it is printed, in threes of four: "7KQ2-M9XD-4TRA".
func GroupedCode(code string) string {
	if len(code) != codeLength {
		return code
	}
	return code[0:4] + "-" + code[4:8] + "-" + code[8:12]
}

// write renders the certificate c, whose code is checked at verifyURL, as a
// one-page PDF.
func write(w io.Writer, c Certificate, partnership, verifyURL string) error {
	pdf := newDocument("Certificate of attendance: "+c.Course, partnership, c.IssuedAt)
	pdf.AddPage()
	width, _ := pdf.GetPageSize()
	left, _, right, _ := pdf.GetMargins()
	text := width - left - right
	line := func(size float64, style string, h float64, s string) {
		pdf.SetFont(family, style, size)
		pdf.MultiCell(text, h, visual(s), "", "C", false)
	}

	pdf.SetTextColor(80, 80, 80)
	line(12, "", 6, partnership)
	pdf.Ln(14)
	pdf.SetTextColor(0, 0, 0)
	line(26, "B", 12, "Certificate of attendance")
	pdf.Ln(10)
	line(12, "", 6, "This is to certify that")
	pdf.Ln(4)
	line(22, "B", 10, c.Person)
	pdf.Ln(4)
	line(12, "", 6, "attended")
	pdf.Ln(4)
	line(17, "B", 8, c.Course)
	line(12, "", 7, levelName(c.Level))
	pdf.Ln(4)
	line(12, "", 6, london.When(c.StartsAt, c.EndsAt))
	line(12, "", 6, hours(c.StartsAt, c.EndsAt)+" of training")

	if len(c.Outcomes) > 0 {
		pdf.Ln(10)
		pdf.SetFont(family, "B", 12)
		pdf.CellFormat(text, 7, "Learning outcomes", "", 1, "L", false, 0, "")
		pdf.SetFont(family, "", 11)
		for _, o := range c.Outcomes {
			pdf.CellFormat(6, 6, "•", "", 0, "L", false, 0, "")
			pdf.MultiCell(text-6, 6, visual(o), "", "L", false)
			pdf.Ln(1)
		}
	}

	// The code and where to check it, at the foot of the page.
	_, height := pdf.GetPageSize()
	pdf.SetAutoPageBreak(false, 0)
	if pdf.GetY() < height-52 {
		pdf.SetY(height - 52)
	}
	pdf.SetDrawColor(180, 180, 180)
	pdf.Line(left, pdf.GetY(), width-right, pdf.GetY())
	pdf.Ln(4)
	pdf.SetFont(family, "", 11)
	pdf.MultiCell(text, 6, "Issued by "+visual(partnership), "", "L", false)
	pdf.MultiCell(text, 6, "Certificate code: "+GroupedCode(c.Code), "", "L", false)
	pdf.MultiCell(text, 6, "Anyone can check this certificate is genuine at:", "", "L", false)
	pdf.SetTextColor(29, 112, 184)
	pdf.CellFormat(text, 6, verifyURL, "", 1, "L", false, 0, verifyURL)
	pdf.SetTextColor(0, 0, 0)
	return output(pdf, w)
}

// RecordLine is one attended session on a training record.
type RecordLine struct {
	BookingID int64
	Course    string
	Level     int
	StartsAt  time.Time
	EndsAt    time.Time
	Late      bool   // arrived late
	Code      string // the certificate's code, "" until one is made
}

// Hours words the line's length of training.
func (l RecordLine) Hours() string { return hours(l.StartsAt, l.EndsAt) }

// TrainingRecord is everything a person attended, newest first.
type TrainingRecord struct {
	Person string
	Lines  []RecordLine
}

// TotalHours words the record's training in all.
func (r TrainingRecord) TotalHours() string {
	var d time.Duration
	for _, l := range r.Lines {
		d += l.EndsAt.Sub(l.StartsAt)
	}
	return hours(time.Time{}, time.Time{}.Add(d))
}

// writeRecord renders a training record, printed at, as a PDF of as many
// pages as it needs; verifyBase is the address a code is checked at, to
// which each certificate's code is added.
func writeRecord(w io.Writer, r TrainingRecord, partnership, verifyBase string, at time.Time) error {
	pdf := newDocument("Training record: "+r.Person, partnership, at)
	pdf.SetFooterFunc(func() {
		pdf.SetY(-15)
		pdf.SetFont(family, "", 9)
		pdf.CellFormat(0, 5, fmt.Sprintf("Training record of %s, %s. Page %d of {nb}",
			visual(r.Person), london.Date(at), pdf.PageNo()), "", 0, "C", false, 0, "")
	})
	pdf.AliasNbPages("")
	pdf.AddPage()
	width, _ := pdf.GetPageSize()
	left, _, right, _ := pdf.GetMargins()
	text := width - left - right

	pdf.SetFont(family, "", 11)
	pdf.MultiCell(text, 6, visual(partnership), "", "L", false)
	pdf.Ln(4)
	pdf.SetFont(family, "B", 22)
	pdf.MultiCell(text, 10, "Training record", "", "L", false)
	pdf.SetFont(family, "B", 16)
	pdf.MultiCell(text, 9, visual(r.Person), "", "L", false)
	pdf.SetFont(family, "", 11)
	pdf.MultiCell(text, 6, "Printed on "+london.LongDate(at), "", "L", false)
	pdf.Ln(6)
	if len(r.Lines) == 0 {
		pdf.MultiCell(text, 6, "No training attended yet.", "", "L", false)
		return output(pdf, w)
	}
	sessions := "sessions"
	if len(r.Lines) == 1 {
		sessions = "session"
	}
	pdf.MultiCell(text, 6, fmt.Sprintf("%d %s attended, %s of training in all.", len(r.Lines), sessions, r.TotalHours()), "", "L", false)
	pdf.Ln(4)
	for _, l := range r.Lines {
		pdf.SetDrawColor(180, 180, 180)
		pdf.Line(left, pdf.GetY(), width-right, pdf.GetY())
		pdf.Ln(3)
		pdf.SetFont(family, "B", 12)
		pdf.MultiCell(text, 6, visual(l.Course), "", "L", false)
		pdf.SetFont(family, "", 11)
		attended := "Attended"
		if l.Late {
			attended = "Attended (arrived late)"
		}
		pdf.MultiCell(text, 6, fmt.Sprintf("%s. %s. %s. %s.", levelName(l.Level), london.When(l.StartsAt, l.EndsAt), l.Hours(), attended), "", "L", false)
		if l.Code != "" {
			pdf.MultiCell(text, 6, "Certificate "+GroupedCode(l.Code)+", checked at "+verifyBase+l.Code, "", "L", false)
		}
		pdf.Ln(3)
	}
	return output(pdf, w)
}

func output(pdf *fpdf.Fpdf, w io.Writer) error {
	var b bytes.Buffer
	if err := pdf.Output(&b); err != nil {
		return fmt.Errorf("make pdf: %w", err)
	}
	_, err := b.WriteTo(w)
	return err
}
