package web

import "github.com/gofiber/fiber/v2"

func (a *app) agencyBookingRoutes(f *fiber.App) {}
