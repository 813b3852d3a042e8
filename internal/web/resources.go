package web

import "github.com/gofiber/fiber/v2"

// resourceRoutes registers the courses and venues a training manager keeps.
func (a *app) resourceRoutes(f *fiber.App) {}
