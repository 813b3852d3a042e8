package account

import "fmt"

// The emails an account sends, in plain English.

type message struct{ subject, body string }

const signature = "\n\nBook safeguarding training\nPortsmouth Safeguarding Children Partnership\n"

func verifyEmail(name, link string) message {
	return message{
		subject: "Confirm your email address",
		body: fmt.Sprintf("Dear %s,\n\nConfirm your email address to finish setting up your account and book training:\n\n%s\n\n"+
			"This link works once and expires in 24 hours.\n\nIf you did not create an account, you can ignore this email.%s",
			name, link, signature),
	}
}

func alreadyRegisteredEmail(signInLink string) message {
	return message{
		subject: "Someone tried to create an account with your email address",
		body: "Someone tried to create a new account for Book safeguarding training with this email address, " +
			"which already has an account.\n\nIf it was you, sign in instead:\n\n" + signInLink +
			"\n\nIf you have forgotten your password, choose ‘Forgotten your password?’ on that page.\n\n" +
			"If it was not you, you do not need to do anything: your account has not changed." + signature,
	}
}

func resetEmail(name, link string) message {
	return message{
		subject: "Reset your password",
		body: fmt.Sprintf("Dear %s,\n\nUse this link to choose a new password:\n\n%s\n\n"+
			"This link works once and expires in 1 hour.\n\nIf you did not ask to reset your password, you can ignore this email: "+
			"your password has not changed.%s", name, link, signature),
	}
}

func passwordChangedEmail(name string) message {
	return message{
		subject: "Your password has been changed",
		body: fmt.Sprintf("Dear %s,\n\nThe password for your Book safeguarding training account has just been changed, "+
			"and you have been signed out everywhere else.\n\nIf you did not do this, reset your password straight away "+
			"and tell the partnership's training team.%s", name, signature),
	}
}
