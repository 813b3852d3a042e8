-- Demo data for an empty database (payment.SeedDemoPricesTx).

-- name: SeedDemoPrices :exec
-- Demo prices: the non-contributing band (private and independent
-- providers) pays £80 a full day and £40 a half day; everyone else is free.
INSERT INTO course_prices (course_id, charging_band, amount_pence)
SELECT id, 'non_contributing', CASE duration WHEN 'full_day' THEN 8000 ELSE 4000 END
FROM courses WHERE NOT bespoke
ON CONFLICT DO NOTHING;
