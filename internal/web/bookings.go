package web

import "github.com/gofiber/fiber/v2"

func (a *app) bookingRoutes(f *fiber.App) {}
