-- Certificates of attended places (internal/certificate). These queries read
-- bookings, sessions, courses and users; they write only certificates.

-- name: CertificatePlace :one
-- One of the person's own places, whether they attended, and its certificate
-- if one was made.
SELECT b.id AS booking_id,
       (b.attendance IS NOT NULL AND b.attendance IN ('attended', 'late'))::boolean AS attended,
       u.full_name, s.course_title, c.level, c.learning_outcomes, s.starts_at, s.ends_at,
       cert.code AS code, cert.issued_at AS issued_at, p.name AS partnership_name
FROM bookings b
JOIN users u ON u.id = b.user_id
JOIN sessions s ON s.id = b.session_id
JOIN courses c ON c.id = s.course_id
JOIN partnerships p ON p.id = s.partnership_id
LEFT JOIN certificates cert ON cert.booking_id = b.id
WHERE b.id = @booking_id AND b.user_id = @user_id AND u.erased_at IS NULL;

-- name: IssueCertificate :one
-- Makes the place's certificate with @code, or returns the one it has: a
-- request that loses the race for the booking's key waits for the winner
-- and gets the winner's code. No row: the place is not attended.
INSERT INTO certificates (booking_id, code, issued_at)
SELECT b.id, @code, @issued_at
FROM bookings b
WHERE b.id = @booking_id AND b.attendance IN ('attended', 'late')
ON CONFLICT (booking_id) DO UPDATE SET booking_id = EXCLUDED.booking_id
RETURNING code, issued_at;

-- name: VerifyCertificate :one
-- What the public check of a code shows: nothing once the person is erased
-- or the place is no longer marked attended.
SELECT u.full_name, s.course_title, s.starts_at, s.ends_at, p.name AS partnership_name
FROM certificates cert
JOIN bookings b ON b.id = cert.booking_id
JOIN users u ON u.id = b.user_id
JOIN sessions s ON s.id = b.session_id
JOIN partnerships p ON p.id = s.partnership_id
WHERE cert.code = @code AND b.attendance IN ('attended', 'late') AND u.erased_at IS NULL;

-- name: PersonForRecord :one
SELECT full_name FROM users WHERE id = @user_id AND erased_at IS NULL;

-- name: AttendedPlaces :many
-- Everything the person attended, newest first, with each certificate made.
SELECT b.id AS booking_id, s.course_title, c.level, s.starts_at, s.ends_at,
       (b.attendance = 'late')::boolean AS late, cert.code AS code
FROM bookings b
JOIN sessions s ON s.id = b.session_id
JOIN courses c ON c.id = s.course_id
LEFT JOIN certificates cert ON cert.booking_id = b.id
WHERE b.user_id = @user_id AND b.attendance IN ('attended', 'late')
ORDER BY s.starts_at DESC, b.id DESC;

-- name: ExportCertificates :many
SELECT cert.code, cert.issued_at, s.course_title, s.starts_at
FROM certificates cert
JOIN bookings b ON b.id = cert.booking_id
JOIN sessions s ON s.id = b.session_id
WHERE b.user_id = @user_id
ORDER BY s.starts_at, cert.booking_id;

-- name: EraseCertificates :exec
DELETE FROM certificates cert
USING bookings b
WHERE b.id = cert.booking_id AND b.user_id = @user_id;
