-- Agencies' billing contacts, for "Download your data", and their erasure
-- (internal/agency/personaldata.go).

-- name: ExportBillingContacts :many
-- Agencies whose invoices go to the person.
SELECT name, billing_contact_name, billing_contact_email
FROM agencies
WHERE lower(billing_contact_email) = lower(@email::text)
ORDER BY name;

-- name: ClearBillingContacts :exec
-- Invoices stop until the agency names another contact (the billing sweep
-- asks for one); the copy last sent to Stripe goes too.
UPDATE agencies
SET billing_contact_name = '', billing_contact_email = '',
    stripe_customer_email = CASE WHEN lower(stripe_customer_email) = lower(@email::text) THEN '' ELSE stripe_customer_email END,
    updated_at = now()
WHERE lower(billing_contact_email) = lower(@email::text) OR lower(stripe_customer_email) = lower(@email::text);
