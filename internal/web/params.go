package web

import (
	"strconv"

	"github.com/gofiber/fiber/v2"
)

// pathID is the positive ID named name in the path, or a 404: the one way
// to read an ID from a path.
func pathID(c *fiber.Ctx, name string) (int64, error) {
	id, err := strconv.ParseInt(c.Params(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, fiber.ErrNotFound
	}
	return id, nil
}

// maxPage bounds ?page= so that no offset can overflow.
const maxPage = 1_000_000

func pageParam(c *fiber.Ctx) int {
	n, err := strconv.Atoi(c.Query("page"))
	if err != nil || n < 1 {
		return 1
	}
	return min(n, maxPage)
}
