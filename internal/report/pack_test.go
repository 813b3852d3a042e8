package report_test

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"io"
	"path"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/report"
)

// workbook is an XLSX read back with archive/zip and encoding/xml alone:
// an independent reader, not the library that wrote it.
type workbook struct {
	names  []string                       // sheets in order
	sheets map[string]map[string]xlsxCell // sheet → cell reference → cell
	numFmt []int                          // style index → number format id
	bold   []bool                         // style index → bold font
}

type xlsxCell struct {
	Text   string
	Number float64
	IsNum  bool
	Style  int
}

func readWorkbook(t *testing.T, data []byte) workbook {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	require.NoError(t, err)
	files := map[string]*zip.File{}
	for _, f := range zr.File {
		files[f.Name] = f
	}
	decode := func(name string, into any) {
		t.Helper()
		f, ok := files[name]
		require.True(t, ok, "the workbook has %s", name)
		r, err := f.Open()
		require.NoError(t, err)
		defer r.Close()
		b, err := io.ReadAll(r)
		require.NoError(t, err)
		require.NoError(t, xml.Unmarshal(b, into), name)
	}

	var wb struct {
		Sheets []struct {
			Name string `xml:"name,attr"`
			RID  string `xml:"http://schemas.openxmlformats.org/officeDocument/2006/relationships id,attr"`
		} `xml:"sheets>sheet"`
	}
	decode("xl/workbook.xml", &wb)
	var rels struct {
		Rels []struct {
			ID     string `xml:"Id,attr"`
			Target string `xml:"Target,attr"`
		} `xml:"Relationship"`
	}
	decode("xl/_rels/workbook.xml.rels", &rels)
	target := map[string]string{}
	for _, r := range rels.Rels {
		target[r.ID] = strings.TrimPrefix(r.Target, "/")
		if !strings.HasPrefix(r.Target, "/") {
			target[r.ID] = path.Join("xl", r.Target)
		}
	}

	type richText struct {
		T string `xml:"t"`
		R []struct {
			T string `xml:"t"`
		} `xml:"r"`
	}
	text := func(r richText) string {
		s := r.T
		for _, run := range r.R {
			s += run.T
		}
		return s
	}
	var shared []string
	if _, ok := files["xl/sharedStrings.xml"]; ok {
		var sst struct {
			SI []richText `xml:"si"`
		}
		decode("xl/sharedStrings.xml", &sst)
		for _, si := range sst.SI {
			shared = append(shared, text(si))
		}
	}

	var styles struct {
		Fonts []struct {
			B *struct{} `xml:"b"`
		} `xml:"fonts>font"`
		Xfs []struct {
			NumFmtID int `xml:"numFmtId,attr"`
			FontID   int `xml:"fontId,attr"`
		} `xml:"cellXfs>xf"`
	}
	decode("xl/styles.xml", &styles)
	out := workbook{sheets: map[string]map[string]xlsxCell{}}
	for _, xf := range styles.Xfs {
		out.numFmt = append(out.numFmt, xf.NumFmtID)
		out.bold = append(out.bold, xf.FontID < len(styles.Fonts) && styles.Fonts[xf.FontID].B != nil)
	}

	for _, s := range wb.Sheets {
		out.names = append(out.names, s.Name)
		var ws struct {
			Rows []struct {
				Cells []struct {
					Ref    string   `xml:"r,attr"`
					Type   string   `xml:"t,attr"`
					Style  int      `xml:"s,attr"`
					V      string   `xml:"v"`
					Inline richText `xml:"is"`
				} `xml:"c"`
			} `xml:"sheetData>row"`
		}
		decode(target[s.RID], &ws)
		cells := map[string]xlsxCell{}
		for _, row := range ws.Rows {
			for _, c := range row.Cells {
				cell := xlsxCell{Style: c.Style}
				switch c.Type {
				case "s":
					i, err := strconv.Atoi(c.V)
					require.NoError(t, err)
					cell.Text = shared[i]
				case "inlineStr":
					cell.Text = text(c.Inline)
				case "str":
					cell.Text = c.V
				case "", "n":
					if c.V != "" {
						cell.Number, err = strconv.ParseFloat(c.V, 64)
						require.NoError(t, err, c.Ref)
						cell.IsNum = true
					}
				}
				cells[c.Ref] = cell
			}
		}
		out.sheets[s.Name] = cells
	}
	return out
}

// find is the row number of the first cell in column A saying text, at
// or after row from.
func (w workbook) find(t *testing.T, sheet, text string, from int) int {
	t.Helper()
	for r := from; r < 1000; r++ {
		if w.sheets[sheet]["A"+strconv.Itoa(r)].Text == text {
			return r
		}
	}
	t.Fatalf("%s has no row %q from row %d", sheet, text, from)
	return 0
}

// number is the cell's number, failing if it is text.
func (w workbook) number(t *testing.T, sheet, ref string) float64 {
	t.Helper()
	c, ok := w.sheets[sheet][ref]
	require.True(t, ok, "%s!%s is there", sheet, ref)
	require.True(t, c.IsNum, "%s!%s is a number, not text %q", sheet, ref, c.Text)
	return c.Number
}

func TestAnnualPackReadsBack(t *testing.T) {
	t.Parallel()
	f := evaluationFixture(t)
	ctx := asManager(f.ctx)
	var buf bytes.Buffer
	require.NoError(t, f.svc.WritePack(ctx, &buf, f.year, "Portsmouth Safeguarding Children Partnership"))
	w := readWorkbook(t, buf.Bytes())

	assert.Equal(t, []string{"Cover", "Delivery", "Attendance", "Non-attendance", "Unmet demand", "Requests", "Money",
		"Contribution ledger", "Trainers", "Evaluation"}, w.names)

	cover := w.sheets["Cover"]
	assert.Equal(t, "Portsmouth Safeguarding Children Partnership", cover["B2"].Text)
	assert.Equal(t, "1 April 2026 to 31 March 2027", cover["B3"].Text)
	assert.Equal(t, 46113.0, w.number(t, "Cover", "B4"), "1 April 2026 as a spreadsheet date")

	// Every report sheet names the period and the partnership in its title.
	for _, name := range w.names[1:] {
		title := w.sheets[name]["A1"].Text
		assert.Contains(t, title, "1 April 2026 to 31 March 2027", name)
		assert.Contains(t, title, "Portsmouth Safeguarding Children Partnership", name)
	}

	// Delivery: the header bold, Neglect's figures as numbers, the fill
	// rate a percentage; all as Delivery answers.
	d, err := f.svc.Delivery(ctx, f.year)
	require.NoError(t, err)
	h := w.find(t, "Delivery", "Course", 1)
	assert.Equal(t, "Sessions delivered", w.sheets["Delivery"]["B"+strconv.Itoa(h)].Text)
	assert.True(t, w.bold[w.sheets["Delivery"]["B"+strconv.Itoa(h)].Style], "the header is bold")
	var neglect report.DeliveryRow
	for _, r := range d.ByCourse {
		if r.Course == "Neglect" {
			neglect = r
		}
	}
	require.NotZero(t, neglect.Offered)
	n := strconv.Itoa(w.find(t, "Delivery", "Neglect", h))
	assert.Equal(t, float64(neglect.Delivered), w.number(t, "Delivery", "B"+n))
	assert.Equal(t, float64(neglect.Offered), w.number(t, "Delivery", "E"+n))
	assert.Equal(t, float64(neglect.Booked), w.number(t, "Delivery", "F"+n))
	assert.InDelta(t, neglect.FillRate(), w.number(t, "Delivery", "H"+n), 1e-9)
	assert.Equal(t, 9, w.numFmt[w.sheets["Delivery"]["H"+n].Style], "the fill rate is formatted as a percentage")
	m := strconv.Itoa(w.find(t, "Delivery", "Month", h+1))
	assert.Equal(t, "May 2026", w.sheets["Delivery"]["A"+strconv.Itoa(mustAtoi(t, m)+1)].Text)

	// Attendance: the Youth Club's places.
	a, err := f.svc.Attendance(ctx, f.year)
	require.NoError(t, err)
	youth := 0
	for _, r := range a.ByAgency {
		if r.Agency == "Youth Club" {
			youth++
			y := strconv.Itoa(w.find(t, "Attendance", "Youth Club", 1))
			assert.Equal(t, "Voluntary and community", w.sheets["Attendance"]["B"+y].Text)
			assert.Equal(t, float64(r.Booked), w.number(t, "Attendance", "C"+y))
			assert.Equal(t, float64(r.Absent), w.number(t, "Attendance", "F"+y))
			assert.Equal(t, float64(r.PlacesLost()), w.number(t, "Attendance", "I"+y))
		}
	}
	assert.Equal(t, 1, youth)

	// Money: paid places in pounds.
	money, err := f.svc.Money(ctx, f.year)
	require.NoError(t, err)
	paid := strconv.Itoa(w.find(t, "Money", "Paid", 1))
	assert.Equal(t, float64(money.Places.Paid.N), w.number(t, "Money", "B"+paid))
	assert.InDelta(t, float64(money.Places.Paid.Pence)/100, w.number(t, "Money", "C"+paid), 1e-9)

	// The ledger's total balance, in hours.
	l, err := f.svc.Ledger(ctx, f.year)
	require.NoError(t, err)
	total := strconv.Itoa(w.find(t, "Contribution ledger", "Total", 1))
	assert.InDelta(t, float64(l.Total.BalanceMinutes())/60, w.number(t, "Contribution ledger", "G"+total), 1e-9)
	assert.InDelta(t, l.Total.HoursGiven(), w.number(t, "Contribution ledger", "D"+total), 1e-9)

	// Evaluation: the total response rate (3 of 5) and confidence.
	e := strconv.Itoa(w.find(t, "Evaluation", "Total", 1))
	assert.Equal(t, 5.0, w.number(t, "Evaluation", "B"+e))
	assert.InDelta(t, 0.6, w.number(t, "Evaluation", "D"+e), 1e-9)
	assert.Equal(t, 9, w.numFmt[w.sheets["Evaluation"]["D"+e].Style])
	assert.InDelta(t, 1.75, w.number(t, "Evaluation", "E"+e), 1e-9)
	q := strconv.Itoa(w.find(t, "Evaluation", "Overall, how good was the session?", 1))
	assert.Equal(t, 3.0, w.number(t, "Evaluation", "B"+q))
	assert.InDelta(t, 4.0, w.number(t, "Evaluation", "C"+q), 1e-9)
	o := strconv.Itoa(w.find(t, "Evaluation", "Neglect: Spot it", 1))
	assert.InDelta(t, 2.5, w.number(t, "Evaluation", "C"+o), 1e-9)

	// Trainers: Alex's sessions.
	alex := strconv.Itoa(w.find(t, "Trainers", "Alex Trainer", 1))
	assert.Equal(t, "County Police", w.sheets["Trainers"]["B"+alex].Text)
}

func mustAtoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	require.NoError(t, err)
	return n
}

func TestAnnualPackIsForManagersOnly(t *testing.T) {
	t.Parallel()
	f := newBoard(t)
	var buf bytes.Buffer
	err := f.svc.WritePack(f.ctx, &buf, f.year, "PSCP")
	assert.ErrorIs(t, err, report.ErrForbidden)
	assert.Zero(t, buf.Len(), "nothing written")
}
