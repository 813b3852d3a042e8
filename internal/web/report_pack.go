package web

import (
	"net/url"

	"github.com/gofiber/fiber/v2"

	"github.com/pscp/booktraining/internal/account"
	"github.com/pscp/booktraining/internal/audit"
	"github.com/pscp/booktraining/internal/report"
)

// --- the annual pack: every report of a period in one XLSX workbook ---

// reportPack sends the period's pack (?year=2026, or ?from=…&to=…, as the
// report pages take them). It names trainers, so the download is audited.
func (a *app) reportPack(c *fiber.Ctx) error {
	q, err := url.ParseQuery(string(c.Request().URI().QueryString()))
	if err != nil {
		return report.ErrPeriodQuery
	}
	p, err := report.ParsePeriod(q, a.deps.Now())
	if err != nil {
		return err
	}
	if err := a.auditView(c, account.Manager, audit.View{What: "the annual pack (XLSX) for " + p.String() + ", with trainers' names"}); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+report.PackFileName(p)+`"`)
	if err := a.deps.Reports.WritePack(c.UserContext(), c.Response().BodyWriter(), p, a.partnershipOf(c).Name); err != nil {
		c.Response().ResetBody()
		c.Response().Header.Del(fiber.HeaderContentDisposition)
		return err
	}
	return nil
}
