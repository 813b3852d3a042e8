package account

import "github.com/pscp/booktraining/internal/email"

// The emails an account sends, in plain English, as letters: sent as text
// and HTML alike, signed by Service.Signature.

type message struct {
	subject string
	letter  email.Letter // without its signature, which send adds
}

// neutralGreeting opens an email to an address nobody has proven: the name
// was typed by whoever signed up, who may not be the address's owner, so it
// is neither shown nor put in the To header.
const neutralGreeting = "Hello,"

func verifyEmail(link string) message {
	return message{subject: "Confirm your email address", letter: email.Letter{
		Greeting: neutralGreeting,
		Blocks: []email.Block{
			email.Para("Confirm your email address to finish setting up your account and book training:"),
			email.LinkTo("Confirm your email address", link),
			email.Para("This link works once and expires in 24 hours."),
			email.Para("If you did not create an account, you can ignore this email."),
		},
	}}
}

// waitingEmail answers a second sign-up with an address whose account was
// never confirmed. Nothing in the account changed; whoever holds the mailbox
// can confirm it, or take it over by choosing a new password, which signs
// out whoever set the old one.
func waitingEmail(verifyLink, resetLink string) message {
	return message{subject: "An account is waiting for you to confirm your email address", letter: email.Letter{
		Greeting: neutralGreeting,
		Blocks: []email.Block{
			email.Para("Someone tried to create an account for Book safeguarding training with this email address, " +
				"which already has an account waiting to be confirmed. Nothing in that account has changed."),
			email.Para("If you created the account and know its password, confirm your email address:"),
			email.LinkTo("Confirm your email address", verifyLink),
			email.Para("This link works once and expires in 24 hours."),
			email.Para("If you do not know the account’s password, or did not create the account yourself, " +
				"choose a new password instead. This confirms your email address, makes the account yours and " +
				"signs out anyone else who was using it; you can then correct the name and organisation on your account page:"),
			email.LinkTo("Choose a new password", resetLink),
			email.Para("This link works once and expires in 1 hour."),
			email.Para("If you did not try to create an account, you can ignore this email."),
		},
	}}
}

func alreadyRegisteredEmail(signInLink string) message {
	return message{subject: "Someone tried to create an account with your email address", letter: email.Letter{
		Blocks: []email.Block{
			email.Para("Someone tried to create a new account for Book safeguarding training with this email address, " +
				"which already has an account."),
			email.Para("If it was you, sign in instead:"),
			email.LinkTo("Sign in", signInLink),
			email.Para("If you have forgotten your password, choose ‘Forgotten your password?’ on that page."),
			email.Para("If it was not you, you do not need to do anything: your account has not changed."),
		},
	}}
}

// resetEmail greets by name only when the address is proven (name is then
// not ""): otherwise the name was typed by whoever signed up.
func resetEmail(name, link string) message {
	greeting := neutralGreeting
	if name != "" {
		greeting = "Dear " + name + ","
	}
	return message{subject: "Reset your password", letter: email.Letter{
		Greeting: greeting,
		Blocks: []email.Block{
			email.Para("Use this link to choose a new password:"),
			email.LinkTo("Choose a new password", link),
			email.Para("This link works once and expires in 1 hour."),
			email.Para("If you did not ask to reset your password, you can ignore this email: your password has not changed."),
		},
	}}
}

func passwordChangedEmail(name string) message {
	greeting := neutralGreeting
	if name != "" {
		greeting = "Dear " + name + ","
	}
	return message{subject: "Your password has been changed", letter: email.Letter{
		Greeting: greeting,
		Blocks: []email.Block{
			email.Para("The password for your Book safeguarding training account has just been changed, " +
				"and you have been signed out everywhere else."),
			email.Para("If you did not do this, reset your password straight away and tell the partnership's training team."),
		},
	}}
}

func unusedAccountEmail(name, signInLink string, eraseOn string) message {
	return message{subject: "Your account will be deleted unless you sign in", letter: email.Letter{
		Greeting: "Dear " + name + ",",
		Blocks: []email.Block{
			email.Para("Nobody has signed in to your Book safeguarding training account for 3 years. " +
				"We do not keep personal data longer than we need it, so we will delete your account on " + eraseOn + "."),
			email.Para("To keep your account, sign in before then:"),
			email.LinkTo("Sign in", signInLink),
			email.Para("If you no longer need it, you do not need to do anything. Your training record stays with " +
				"the partnership, without your name, for the partnership's figures."),
		},
	}}
}
