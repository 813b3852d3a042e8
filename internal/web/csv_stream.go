package web

import (
	"bufio"
	"context"
	"encoding/csv"

	"github.com/gofiber/fiber/v2"
)

// streamCSV sends the download filename, a CSV of header and the lines
// each gives emit, written as each reads them, so an export of years holds
// no more than one batch in memory; they are sent a hundred lines at a
// time. The body is written after the handler returns, when the request's
// context has ended, so each runs with a context of its own, as long. An
// error once the download has begun is too late to show on a page: the
// download is cut short, and the error logged as what's.
func (a *app) streamCSV(c *fiber.Ctx, filename, what string, header []string, each func(ctx context.Context, emit func([]string) error) error) {
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+filename+`"`)
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.UserContext()), a.deps.RequestTimeout)
	log := a.deps.Logger
	c.Context().SetBodyStreamWriter(func(out *bufio.Writer) {
		defer cancel()
		w := csv.NewWriter(out)
		_ = w.Write(header)
		n := 0
		err := each(ctx, func(line []string) error {
			_ = w.Write(line)
			if n++; n%100 == 0 {
				w.Flush()
				if err := out.Flush(); err != nil {
					return err
				}
			}
			return w.Error()
		})
		w.Flush()
		if err == nil {
			err = w.Error()
		}
		if err == nil {
			err = out.Flush()
		}
		if err != nil {
			log.ErrorContext(ctx, what+" cut short", "error", err)
		}
	})
}
