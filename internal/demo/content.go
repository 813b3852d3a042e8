// Content in this file is the launch catalogue and the demo data for the
// booking system: the partner agencies whose staff train together, the
// sixteen courses of the multi-agency programme and the training venues.
//
// The agencies follow the safeguarding partners and relevant agencies named
// by the Portsmouth and Hampshire partnerships, using current organisation
// names. The venues are fictional. Course text is written for this service in
// plain English.
package demo

import (
	"github.com/pscp/booktraining/internal/agency"
	"github.com/pscp/booktraining/internal/catalogue"
)

// Agencies are the partner organisations, one entry per organisation or
// named group.
var Agencies = []Agency{
	// Statutory safeguarding partners and their services.
	{Name: "Portsmouth City Council", Sector: agency.SectorLocalAuthority, ChargingBand: agency.BandPartner},
	{Name: "Portsmouth City Council Children and Families Service", Sector: agency.SectorLocalAuthority, ChargingBand: agency.BandPartner},
	{Name: "Hampshire and Isle of Wight Integrated Care Board", Sector: agency.SectorHealth, ChargingBand: agency.BandPartner},
	{Name: "Hampshire and Isle of Wight Constabulary", Sector: agency.SectorPolice, ChargingBand: agency.BandPartner},

	// Local authorities.
	{Name: "Hampshire County Council, Adults' Health and Care", Sector: agency.SectorLocalAuthority, ChargingBand: agency.BandContributing},
	{Name: "Hampshire County Council, Children and Families", Sector: agency.SectorLocalAuthority, ChargingBand: agency.BandContributing},
	{Name: "Hampshire County Council, Education and Inclusion", Sector: agency.SectorLocalAuthority, ChargingBand: agency.BandContributing},
	{Name: "Hampshire County Council, Public Health", Sector: agency.SectorLocalAuthority, ChargingBand: agency.BandContributing},
	{Name: "Fareham Borough Council", Sector: agency.SectorLocalAuthority, ChargingBand: agency.BandContributing},
	{Name: "Gosport Borough Council", Sector: agency.SectorLocalAuthority, ChargingBand: agency.BandContributing},
	{Name: "Havant Borough Council", Sector: agency.SectorLocalAuthority, ChargingBand: agency.BandContributing},

	// Police, fire, probation and youth justice.
	{Name: "Office of the Police and Crime Commissioner for Hampshire and the Isle of Wight", Sector: agency.SectorPolice, ChargingBand: agency.BandContributing},
	{Name: "Hampshire and Isle of Wight Fire and Rescue Service", Sector: agency.SectorFire, ChargingBand: agency.BandContributing},
	{Name: "Probation Service (Hampshire and Isle of Wight)", Sector: agency.SectorProbationYouth, ChargingBand: agency.BandContributing},
	{Name: "Hampshire Youth Offending Team", Sector: agency.SectorProbationYouth, ChargingBand: agency.BandContributing},

	// Other public bodies.
	{Name: "Ministry of Defence", Sector: agency.SectorOther, ChargingBand: agency.BandContributing},
	{Name: "Children and Family Court Advisory and Support Service (Cafcass)", Sector: agency.SectorOther, ChargingBand: agency.BandContributing},

	// Health.
	{Name: "NHS England (South East)", Sector: agency.SectorHealth, ChargingBand: agency.BandContributing},
	{Name: "Portsmouth Hospitals University NHS Trust", Sector: agency.SectorHealth, ChargingBand: agency.BandContributing},
	{Name: "Hampshire and Isle of Wight Healthcare NHS Foundation Trust", Sector: agency.SectorHealth, ChargingBand: agency.BandContributing},
	{Name: "Hampshire Hospitals NHS Foundation Trust", Sector: agency.SectorHealth, ChargingBand: agency.BandContributing},
	{Name: "University Hospital Southampton NHS Foundation Trust", Sector: agency.SectorHealth, ChargingBand: agency.BandContributing},
	{Name: "Frimley Health NHS Foundation Trust", Sector: agency.SectorHealth, ChargingBand: agency.BandContributing},
	{Name: "South Central Ambulance Service NHS Foundation Trust", Sector: agency.SectorHealth, ChargingBand: agency.BandContributing},
	{Name: "Sussex Partnership NHS Foundation Trust", Sector: agency.SectorHealth, ChargingBand: agency.BandContributing},
	{Name: "GP practices (Portsmouth)", Sector: agency.SectorHealth, ChargingBand: agency.BandContributing},
	{Name: "North Hampshire Urgent Care", Sector: agency.SectorHealth, ChargingBand: agency.BandNonContributing},
	{Name: "Partnering Health Limited (PHL)", Sector: agency.SectorHealth, ChargingBand: agency.BandNonContributing},
	{Name: "Independent healthcare providers", Sector: agency.SectorPrivate, ChargingBand: agency.BandNonContributing},
	{Name: "Substance misuse services (commissioned providers)", Sector: agency.SectorHealth, ChargingBand: agency.BandNonContributing},

	// Education.
	{Name: "Primary schools (Portsmouth)", Sector: agency.SectorEducation, ChargingBand: agency.BandContributing},
	{Name: "Secondary schools (Portsmouth)", Sector: agency.SectorEducation, ChargingBand: agency.BandContributing},
	{Name: "Special schools (Portsmouth)", Sector: agency.SectorEducation, ChargingBand: agency.BandContributing},
	{Name: "Alternative provision and pupil referral units (Portsmouth)", Sector: agency.SectorEducation, ChargingBand: agency.BandContributing},
	{Name: "Sixth form and further education colleges (Portsmouth)", Sector: agency.SectorEducation, ChargingBand: agency.BandContributing},
	{Name: "Independent schools (Portsmouth)", Sector: agency.SectorEducation, ChargingBand: agency.BandNonContributing},
	{Name: "Early years settings and childminders (Portsmouth)", Sector: agency.SectorEducation, ChargingBand: agency.BandNonContributing},

	// Voluntary, community and faith.
	{Name: "Domestic abuse services (commissioned providers)", Sector: agency.SectorVoluntary, ChargingBand: agency.BandNonContributing},
	{Name: "Voluntary and community organisations (Portsmouth)", Sector: agency.SectorVoluntary, ChargingBand: agency.BandNonContributing},
	{Name: "Diocese of Portsmouth", Sector: agency.SectorFaith, ChargingBand: agency.BandContributing},
	{Name: "Diocese of Winchester", Sector: agency.SectorFaith, ChargingBand: agency.BandContributing},
}

// Courses are the sixteen courses of the multi-agency training programme.
var Courses = []Course{
	{
		Slug:    "working-together-to-safeguard-children",
		Title:   "Working Together to Safeguard Children",
		Summary: "A foundation course in how agencies in Portsmouth work together to keep children safe. It is based on Working Together to Safeguard Children 2023, the statutory guidance for England.",
		Description: "Safeguarding children is everyone's responsibility. No single person or agency can see the whole picture of a child's life. This course explains how the police, health, education, children's social care and voluntary services work together, and where your role fits.\n\n" +
			"You will look at what the current statutory guidance, Working Together to Safeguard Children 2023, expects of you. You will learn how to spot signs that a child may need help or protection, how to raise a concern, and what happens after you do. We use the safeguarding children procedures shared across Hampshire, the Isle of Wight, Portsmouth and Southampton.\n\n" +
			"The course is delivered by frontline professionals from different agencies in Portsmouth. It follows a restorative approach: we work with you, not at you, and we use real case examples to help you learn from each other.",
		LearningOutcomes: []string{
			"explain the roles of the safeguarding partners and other agencies in keeping children safe",
			"recognise the main signs and types of abuse and neglect",
			"describe the difference between early help, a child in need and a child at risk of significant harm",
			"raise a safeguarding concern and know what to do if you are worried it has not been acted on",
			"record your concerns clearly, using facts and the child's own words",
		},
		AudienceDescription: "Anyone who works or volunteers with children, young people or their families in Portsmouth. This is a good first course if you are new to multi-agency safeguarding.",
		Audiences:           []catalogue.Audience{catalogue.AudienceEveryone},
		Level:               catalogue.Level1,
		Duration:            catalogue.FullDay,
		DeliveryModes:       []catalogue.DeliveryMode{catalogue.InPerson, catalogue.Online},
		DefaultCapacity:     24,
	},
	{
		Slug:    "neglect-and-the-graded-care-profile-2",
		Title:   "Neglect and the Graded Care Profile 2",
		Summary: "Learn to recognise neglect and to measure the care a child receives using the Graded Care Profile 2 (GCP2), a tool developed by the NSPCC.",
		Description: "Neglect is the most common reason for a child to be on a child protection plan in England. It often builds up slowly, so it can be hard to see and easy to get used to. This course helps you notice the signs early and understand the impact on a child's health and development.\n\n" +
			"You will learn to use the Graded Care Profile 2. It helps you and the family look together at how well a child's needs are being met, such as food, safety, health and love. It gives you a clear way to show what is going well, what needs to change and whether things are getting better over time.\n\n" +
			"The course is delivered by licensed GCP2 trainers who work with families in Portsmouth. You will practise using the tool on case studies in small groups. Check with your manager how your agency expects you to use GCP2 after the course.",
		LearningOutcomes: []string{
			"describe the different forms of neglect and their effect on children at each age",
			"use the Graded Care Profile 2 to assess the care a child receives",
			"involve parents and carers in the assessment in an open and respectful way",
			"use what you find to plan support and to review whether care has improved",
		},
		AudienceDescription: "Practitioners who work directly with children and families and who assess or review their needs, for example health visitors, social workers, early help workers and school staff.",
		Audiences:           []catalogue.Audience{catalogue.AudiencePractitioners},
		Level:               catalogue.Level2,
		Duration:            catalogue.FullDay,
		DeliveryModes:       []catalogue.DeliveryMode{catalogue.InPerson},
		DefaultCapacity:     18,
	},
	{
		Slug:    "domestic-abuse-and-its-impact-on-children",
		Title:   "Domestic abuse and its impact on children",
		Summary: "Understand how living with domestic abuse affects children and what you can do to help them and the adult who is being harmed.",
		Description: "The Domestic Abuse Act 2021 recognises children as victims of domestic abuse in their own right if they see, hear or experience its effects. This course looks at what domestic abuse is, including coercive control, and how it can affect a child's safety, wellbeing and development.\n\n" +
			"You will learn how to ask about domestic abuse safely, how to identify risk, and when and how to refer to local services. We look at risk assessment, the multi-agency risk assessment conference (MARAC) and Operation Encompass, which tells schools when a child has been affected by a domestic abuse incident the police attended.\n\n" +
			"The course is delivered by frontline professionals from the police, children's services and specialist domestic abuse services. It also looks at how to work with the person causing harm, as well as the adult and children being harmed.",
		LearningOutcomes: []string{
			"describe the forms domestic abuse can take, including coercive and controlling behaviour",
			"explain how domestic abuse can affect children of different ages",
			"ask about domestic abuse safely and respond well when someone tells you about it",
			"identify risk and make a referral to the right service",
		},
		AudienceDescription: "Practitioners who work with children, young people, parents or carers, including staff in adult services who work with parents.",
		Audiences:           []catalogue.Audience{catalogue.AudiencePractitioners},
		Level:               catalogue.Level2,
		Duration:            catalogue.FullDay,
		DeliveryModes:       []catalogue.DeliveryMode{catalogue.InPerson, catalogue.Online},
		DefaultCapacity:     24,
	},
	{
		Slug:    "child-exploitation-including-county-lines",
		Title:   "Child exploitation, including county lines",
		Summary: "Learn to spot the signs of child sexual and criminal exploitation, including county lines, and how agencies work together to protect children.",
		Description: "Child exploitation is when a person or group uses their power over a child to make them take part in sexual or criminal activity. This can happen even when the activity seems to be by consent. County lines is one form of criminal exploitation, where gangs use children to carry and sell drugs, often across county borders.\n\n" +
			"This course helps you recognise the signs, such as going missing, unexplained money or phones, new older friends and changes in behaviour. You will look at how exploitation can happen in places outside the family, such as parks, online and in the community, and how to share information about these places.\n\n" +
			"The course is delivered by frontline professionals from the police, children's services and youth services. It stresses that exploited children are victims, and looks at how the language we use can shape how they are treated.",
		LearningOutcomes: []string{
			"explain what child sexual exploitation and child criminal exploitation are, including county lines",
			"recognise the signs that a child may be being groomed or exploited",
			"use language that treats exploited children as victims, not as willing participants",
			"share information and make referrals using local procedures, including the National Referral Mechanism for modern slavery",
		},
		AudienceDescription: "Practitioners who work with children and young people, especially those aged 10 and over, in any agency.",
		Audiences:           []catalogue.Audience{catalogue.AudiencePractitioners},
		Level:               catalogue.Level2,
		Duration:            catalogue.FullDay,
		DeliveryModes:       []catalogue.DeliveryMode{catalogue.InPerson, catalogue.Online},
		DefaultCapacity:     24,
	},
	{
		Slug:    "harmful-sexual-behaviour",
		Title:   "Harmful sexual behaviour",
		Summary: "An advanced course on how to tell healthy sexual development from harmful sexual behaviour in children, and how to respond in a way that keeps all children safe.",
		Description: "Some sexual behaviour is a normal part of growing up. Other behaviour is harmful to the child themselves or to others. This course uses Hackett's continuum, which runs from normal to violent behaviour, to help you judge where a child's behaviour sits and what response is needed.\n\n" +
			"You will look at why children may display harmful sexual behaviour, and how to assess and manage risk. You will think about how to support the child who has been harmed and the child who has caused harm, who is often a victim too. The course also covers behaviour online and between children in schools.\n\n" +
			"The course is delivered by specialist frontline professionals. It uses case studies and group discussion, so you will need to have completed a Level 2 safeguarding course first.",
		LearningOutcomes: []string{
			"distinguish healthy sexual development from problematic and harmful sexual behaviour",
			"use Hackett's continuum to decide on a proportionate response",
			"assess and manage risk to all children involved, including in schools and settings",
			"support staff and colleagues to respond to concerns about harmful sexual behaviour",
		},
		AudienceDescription: "Safeguarding leads, supervisors and experienced practitioners who advise others or manage cases where a child has shown harmful sexual behaviour.",
		Audiences:           []catalogue.Audience{catalogue.AudienceLeads, catalogue.AudiencePractitioners},
		Level:               catalogue.Level3,
		Duration:            catalogue.FullDay,
		DeliveryModes:       []catalogue.DeliveryMode{catalogue.InPerson},
		DefaultCapacity:     18,
	},
	{
		Slug:    "restorative-practice-in-safeguarding",
		Title:   "Restorative practice in safeguarding",
		Summary: "Learn how to work with families and colleagues in a restorative way, with high challenge and high support.",
		Description: "Portsmouth aims to be a restorative city. Restorative practice means working with people, not doing things to them or for them. It is about building and repairing relationships, being clear about concerns and helping people find their own way to change.\n\n" +
			"On this course you will learn the ideas behind restorative practice and try out simple tools, such as restorative questions and meetings. You will look at how to be honest with families about risk while still treating them with respect, and how the same approach helps teams work well together.\n\n" +
			"The course is delivered face to face by frontline professionals from different agencies, because it relies on practice and discussion. It is the basis for all the other courses in our programme.",
		LearningOutcomes: []string{
			"explain the main ideas of restorative practice, including working with people rather than doing to them",
			"use restorative questions in conversations with children, families and colleagues",
			"balance high challenge with high support when you discuss concerns with a family",
			"use restorative approaches to repair relationships when things go wrong",
		},
		AudienceDescription: "Anyone who works or volunteers with children and families. Managers are welcome, as the course also covers how teams work together.",
		Audiences:           []catalogue.Audience{catalogue.AudienceEveryone, catalogue.AudiencePractitioners},
		Level:               catalogue.Level2,
		Duration:            catalogue.FullDay,
		DeliveryModes:       []catalogue.DeliveryMode{catalogue.InPerson},
		DefaultCapacity:     20,
	},
	{
		Slug:    "parental-mental-health-and-its-impact-on-children",
		Title:   "Parental mental health and its impact on children",
		Summary: "Understand how a parent's mental ill health can affect their children, and how children's and adults' services can support the whole family.",
		Description: "Many parents live with mental ill health and care for their children well. For some children, though, a parent's illness can affect their care, safety or emotional wellbeing. Some children become young carers.\n\n" +
			"This course looks at how to think about the whole family. You will learn when a parent's mental health may put a child at risk, how to talk to parents without blame, and how to hear what the child thinks and feels. You will look at how adult mental health services and children's services can share information and plan together.\n\n" +
			"The course is delivered by frontline professionals from adult mental health and children's services.",
		LearningOutcomes: []string{
			"describe how different mental health conditions may affect parenting and children",
			"recognise when a child may need extra support or protection, including young carers",
			"talk with parents about their mental health and their children in a supportive way",
			"work with adult and children's services to plan support for the whole family",
		},
		AudienceDescription: "Practitioners in children's and adults' services who work with parents, carers or their children.",
		Audiences:           []catalogue.Audience{catalogue.AudiencePractitioners},
		Level:               catalogue.Level2,
		Duration:            catalogue.HalfDay,
		DeliveryModes:       []catalogue.DeliveryMode{catalogue.InPerson, catalogue.Online},
		DefaultCapacity:     24,
	},
	{
		Slug:    "parental-substance-misuse-and-its-impact-on-children",
		Title:   "Parental substance misuse and its impact on children",
		Summary: "Learn how a parent's use of alcohol or drugs can affect their children, and how to support families to make changes.",
		Description: "When a parent's use of alcohol or drugs becomes a problem, it can affect every part of a child's life. It can affect their safety, their routine, how they do at school and how they feel. Children may also hide what is happening at home.\n\n" +
			"This course looks at the risks to children of all ages, from pregnancy onwards. You will learn how to ask parents about alcohol and drug use, how to notice the signs in children, and how to store medicines and substances safely. You will also look at how change happens and how to support parents through it.\n\n" +
			"The course is delivered by frontline professionals from substance misuse services and children's services. It takes a restorative approach, focusing on honest and respectful conversations with parents.",
		LearningOutcomes: []string{
			"describe how parental alcohol and drug use can affect children at different ages",
			"ask parents about their alcohol and drug use in a clear and respectful way",
			"recognise when a child may need extra help or protection",
			"explain what local treatment and support services offer and how to refer to them",
		},
		AudienceDescription: "Practitioners in children's and adults' services who work with parents, carers or their children.",
		Audiences:           []catalogue.Audience{catalogue.AudiencePractitioners},
		Level:               catalogue.Level2,
		Duration:            catalogue.HalfDay,
		DeliveryModes:       []catalogue.DeliveryMode{catalogue.InPerson, catalogue.Online},
		DefaultCapacity:     24,
	},
	{
		Slug:    "safeguarding-disabled-children",
		Title:   "Safeguarding disabled children",
		Summary: "Understand why disabled children are at greater risk of abuse and how to make sure their voices are heard.",
		Description: "Disabled children are more likely to be abused or neglected than children who are not disabled. They are also less likely to get the help they need. Signs of abuse can be mistaken for part of a child's disability, and some children find it harder to tell someone what is happening.\n\n" +
			"This course looks at the barriers that can stop disabled children being protected. You will learn how to communicate with children who use different ways to communicate, how to avoid assuming that a sign of harm is caused by a child's condition, and how to support parents and carers who may be under great strain.\n\n" +
			"The course is delivered by frontline professionals from special schools, health and children's services.",
		LearningOutcomes: []string{
			"explain why disabled children are at greater risk of abuse and neglect",
			"recognise signs of harm and avoid putting them down to a child's disability",
			"find ways to hear the views and wishes of children who communicate differently",
			"apply local safeguarding procedures to disabled children in the same way as to any other child",
		},
		AudienceDescription: "Practitioners who work with disabled children or their families in any setting, including schools, health, short breaks and social care.",
		Audiences:           []catalogue.Audience{catalogue.AudiencePractitioners},
		Level:               catalogue.Level2,
		Duration:            catalogue.FullDay,
		DeliveryModes:       []catalogue.DeliveryMode{catalogue.InPerson, catalogue.Online},
		DefaultCapacity:     20,
	},
	{
		Slug:    "keeping-children-safe-online",
		Title:   "Keeping children safe online",
		Summary: "An introduction to the risks children face online and how you can help them stay safe.",
		Description: "Children spend a lot of their lives online. Most of it is positive, but it also brings risks. These include grooming, bullying, sharing nude images, harmful content and pressure to spend money.\n\n" +
			"This course explains the main risks in plain terms and does not assume you are an expert in technology. You will learn how to talk to children about their online lives without judging them, what to do if a child tells you something has happened, and where to report concerns, including to CEOP, the National Crime Agency's child protection command.\n\n" +
			"The course is delivered by frontline professionals from education, the police and children's services.",
		LearningOutcomes: []string{
			"describe the main risks children face online, including grooming and the sharing of nude images",
			"talk with children and parents about online safety without blaming the child",
			"respond correctly if a child tells you about something that happened online",
			"report online concerns to the right place",
		},
		AudienceDescription: "Anyone who works or volunteers with children and young people. You do not need any technical knowledge.",
		Audiences:           []catalogue.Audience{catalogue.AudienceEveryone},
		Level:               catalogue.Level1,
		Duration:            catalogue.HalfDay,
		DeliveryModes:       []catalogue.DeliveryMode{catalogue.InPerson, catalogue.Online},
		DefaultCapacity:     25,
	},
	{
		Slug:    "female-genital-mutilation-and-honour-based-abuse",
		Title:   "Female genital mutilation and honour-based abuse",
		Summary: "Learn to recognise female genital mutilation (FGM), forced marriage and other honour-based abuse, and what the law requires you to do.",
		Description: "Female genital mutilation (FGM) is a serious form of child abuse and is illegal in the UK. Honour-based abuse includes forced marriage and other harm carried out to protect what a family or community sees as its honour. In England it is now illegal for anyone under 18 to marry, even with a parent's consent.\n\n" +
			"This course explains the signs that a girl may be at risk of FGM or forced marriage, and how to act quickly and safely. Teachers and regulated health and social care professionals have a mandatory duty to report to the police when they find out that FGM has been carried out on a girl under 18, either because she tells them or because they see signs of it. You will learn what this duty means in practice.\n\n" +
			"The course is delivered by frontline professionals from health, the police and children's services. It looks at how to talk about these issues with sensitivity and respect for people's culture, while keeping the child's safety first.",
		LearningOutcomes: []string{
			"explain what FGM, forced marriage and honour-based abuse are and why they are forms of abuse",
			"recognise the signs that a child may be at risk",
			"describe the FGM mandatory reporting duty and who it applies to",
			"take the right action when you are worried, without putting the child at further risk",
		},
		AudienceDescription: "Practitioners in any agency who work with children, young people and families. It is especially useful for teachers and health and social care staff, who have a legal duty to report known cases of FGM.",
		Audiences:           []catalogue.Audience{catalogue.AudiencePractitioners},
		Level:               catalogue.Level2,
		Duration:            catalogue.HalfDay,
		DeliveryModes:       []catalogue.DeliveryMode{catalogue.InPerson, catalogue.Online},
		DefaultCapacity:     24,
	},
	{
		Slug:    "safeguarding-babies-and-icon",
		Title:   "Safeguarding babies and ICON",
		Summary: "Learn why babies are the most vulnerable to harm, and how to use the ICON messages to help parents cope with crying.",
		Description: "Babies depend completely on adults to keep them safe. They are at greater risk of serious injury or death from abuse than older children. Crying is a common trigger for a parent or carer to lose control and shake a baby, which can cause a serious brain injury.\n\n" +
			"ICON is a programme that helps parents and carers cope with a crying baby. It has four simple messages: Infant crying is normal, Comfort methods can help, It's OK to walk away, and Never ever shake a baby. You will learn how to share these messages with every parent and carer you meet, including fathers and partners.\n\n" +
			"The course also covers safer sleep and what to do if you see a bruise or other injury on a baby who is not yet crawling or walking. It is delivered by frontline professionals from health and children's services.",
		LearningOutcomes: []string{
			"explain why babies are at particular risk of harm",
			"share the four ICON messages with parents and carers in a clear and confident way",
			"give simple advice on safer sleep",
			"respond correctly to a bruise or injury on a baby who is not yet mobile",
		},
		AudienceDescription: "Anyone who has contact with expectant parents, babies or their families, such as midwives, health visitors, GPs, nursery staff, family support workers and volunteers.",
		Audiences:           []catalogue.Audience{catalogue.AudienceEveryone, catalogue.AudiencePractitioners},
		Level:               catalogue.Level1,
		Duration:            catalogue.HalfDay,
		DeliveryModes:       []catalogue.DeliveryMode{catalogue.InPerson, catalogue.Online},
		DefaultCapacity:     25,
	},
	{
		Slug:    "self-harm-and-suicide-in-young-people",
		Title:   "Self-harm and suicide in young people",
		Summary: "Build your confidence to talk with young people about self-harm and suicide, and to get them the right help.",
		Description: "Self-harm is when someone hurts themselves on purpose, often as a way to cope with strong feelings. Many young people who self-harm do not want to die, but self-harm can increase the risk of suicide. Knowing how to respond can make a real difference.\n\n" +
			"This course helps you understand why young people self-harm and what can put them at risk of suicide. You will practise how to ask a young person directly about suicide. Research shows that asking does not put the idea into their head. You will also learn how to make a safety plan and when to get urgent help.\n\n" +
			"The course is delivered by frontline professionals from child and adolescent mental health services, schools and children's services. We know this topic can be difficult, so we will tell you where to find support during and after the course.",
		LearningOutcomes: []string{
			"describe common reasons young people self-harm and the signs to look out for",
			"ask a young person directly and calmly about thoughts of suicide",
			"respond to a disclosure of self-harm without judgement",
			"work with the young person, their family and other services to make a safety plan",
			"know when and how to get urgent help",
		},
		AudienceDescription: "Practitioners who work with children and young people aged 11 to 18, including school staff, youth workers and health professionals.",
		Audiences:           []catalogue.Audience{catalogue.AudiencePractitioners},
		Level:               catalogue.Level2,
		Duration:            catalogue.HalfDay,
		DeliveryModes:       []catalogue.DeliveryMode{catalogue.InPerson, catalogue.Online},
		DefaultCapacity:     20,
	},
	{
		Slug:    "engaging-families-who-find-services-hard-to-trust",
		Title:   "Engaging families who find services hard to trust",
		Summary: "Learn how to build trust with families who are wary of professionals, so that children get the help they need.",
		Description: "Some families find it hard to work with services. They may have had bad experiences in the past, fear their children will be taken away, or feel judged. This can make it hard for professionals to see what life is like for the child.\n\n" +
			"This course looks at why families may keep services at a distance and how to build a relationship with them. You will think about the words we use about families and how these can affect the way cases are handled. You will also learn how to stay focused on the child, and how to tell the difference between a family who does not trust you and a situation where a child may be at risk.\n\n" +
			"The course is based on restorative practice and delivered by frontline professionals from different agencies, who will share what has worked for them.",
		LearningOutcomes: []string{
			"explain why some families find it hard to trust services",
			"use respectful, non-blaming language when you talk and write about families",
			"use restorative approaches to build trust and agree next steps with families",
			"keep the child's experience at the centre of your work, even when engagement is difficult",
			"recognise when a lack of progress means you need to escalate your concerns",
		},
		AudienceDescription: "Practitioners who work with children and families over a period of time, such as social workers, early help workers, health visitors and school staff.",
		Audiences:           []catalogue.Audience{catalogue.AudiencePractitioners},
		Level:               catalogue.Level2,
		Duration:            catalogue.FullDay,
		DeliveryModes:       []catalogue.DeliveryMode{catalogue.InPerson, catalogue.Online},
		DefaultCapacity:     20,
	},
	{
		Slug:    "information-sharing-for-safeguarding-leads",
		Title:   "Information sharing for safeguarding leads",
		Summary: "An advanced course for leads on how to share information lawfully, safely and quickly to protect children.",
		Description: "Reviews of serious cases often find that agencies held important information but did not share it. Data protection law is not a barrier to sharing information to keep a child safe. The Data Protection Act 2018 and the UK GDPR allow you to share information for safeguarding, and you do not always need consent to do so.\n\n" +
			"This course looks at the government's advice on information sharing for people who provide safeguarding services. You will work through difficult cases, decide what to share, with whom and when, and practise recording your decisions. You will also look at how to advise and support staff in your organisation.\n\n" +
			"The course is delivered by safeguarding leads from different agencies, with input on the law from data protection specialists.",
		LearningOutcomes: []string{
			"explain the legal basis for sharing information to safeguard children",
			"decide when to share information with or without consent",
			"record information sharing decisions and the reasons for them",
			"advise colleagues and challenge practice that stops information being shared",
		},
		AudienceDescription: "Designated safeguarding leads, named and designated professionals, team managers and supervisors who advise others on sharing information.",
		Audiences:           []catalogue.Audience{catalogue.AudienceLeads},
		Level:               catalogue.Level3,
		Duration:            catalogue.HalfDay,
		DeliveryModes:       []catalogue.DeliveryMode{catalogue.InPerson, catalogue.Online},
		DefaultCapacity:     20,
	},
	{
		Slug:    "early-help-supporting-families-sooner",
		Title:   "Early help: supporting families sooner",
		Summary: "Learn how to offer help to children and families as soon as problems start, before they get worse.",
		Description: "Early help means giving support as soon as a problem appears, at any point in a child's life. It works best when the family agrees to it and is involved in deciding what help they need. Any practitioner can start an early help assessment.\n\n" +
			"This course explains how early help works in Portsmouth. You will learn how to start an early help assessment with a family, how to bring other services together around them and how to lead a plan. You will also look at how to tell when a family needs more than early help and when to contact children's social care.\n\n" +
			"The course is delivered by frontline professionals from early help, schools and health. It follows a restorative approach, working with families to build on what is already going well.",
		LearningOutcomes: []string{
			"explain what early help is and why it matters",
			"complete an early help assessment with a family",
			"bring other services together to agree a plan with the family",
			"recognise when concerns need to be stepped up to children's social care",
		},
		AudienceDescription: "Anyone who works with children and families and may be the first to notice they need help, including school, health, nursery and voluntary sector staff.",
		Audiences:           []catalogue.Audience{catalogue.AudienceEveryone, catalogue.AudiencePractitioners},
		Level:               catalogue.Level2,
		Duration:            catalogue.HalfDay,
		DeliveryModes:       []catalogue.DeliveryMode{catalogue.InPerson, catalogue.Online},
		DefaultCapacity:     24,
	},
}

// Venues are the training rooms used by the programme, plus the online
// platform. The buildings and addresses are fictional.
var Venues = []Venue{
	{
		Name:               "Guildhall Square Training Centre, Room 1",
		AddressLine1:       "Second floor, Partnership House",
		AddressLine2:       "Guildhall Square",
		Town:               "Portsmouth",
		Postcode:           "PO1 2DX",
		Capacity:           30,
		AccessibilityNotes: "Step-free access from the street. A lift goes to the second floor. The room has a hearing loop. There is an accessible toilet on the same floor. There is no parking on site.",
		Directions:         "Portsmouth and Southsea station is a 5-minute walk. Many city centre bus routes stop at Guildhall Square. The nearest public car parks are pay and display, with Blue Badge spaces.",
	},
	{
		Name:               "Fratton Community Hub, Meeting Room 2",
		AddressLine1:       "27 Selbourne Terrace",
		Town:               "Portsmouth",
		Postcode:           "PO4 0QT",
		Capacity:           24,
		AccessibilityNotes: "The meeting room is on the ground floor with step-free access through the main entrance. There is an accessible toilet. There is no hearing loop in this room. Two Blue Badge parking spaces are available at the front.",
		Directions:         "Fratton station is a 7-minute walk. Buses along Fratton Road stop nearby. Street parking is limited and some roads have residents' permit zones, so we suggest you travel by public transport.",
	},
	{
		Name:               "Hilsea Partnership Training Rooms",
		AddressLine1:       "Unit 6, Creekside Business Park",
		AddressLine2:       "Marsh Lane",
		Town:               "Portsmouth",
		Postcode:           "PO3 5EN",
		Capacity:           40,
		AccessibilityNotes: "All rooms are on the ground floor with step-free access and automatic doors. Both training rooms have a hearing loop. There are accessible toilets and a quiet room you can use during breaks.",
		Directions:         "Free parking on site, including Blue Badge spaces. Hilsea station is a 10-minute walk. Buses to and from the city centre stop on the main road outside the business park.",
	},
	{
		Name:               "Cosham Learning Centre",
		AddressLine1:       "The Old Library Rooms",
		AddressLine2:       "8 Wayfield Parade",
		Town:               "Portsmouth",
		Postcode:           "PO6 3LH",
		Capacity:           20,
		AccessibilityNotes: "The training room is on the first floor and there is no lift. Please tell us if you cannot use stairs and we will book you onto a session at another venue. There is an accessible toilet on the ground floor.",
		Directions:         "Cosham station is a 10-minute walk. Buses along Cosham High Street stop nearby. There is a pay and display car park behind the building.",
	},
	{
		Name:               "Southsea Family Centre, Training Room",
		AddressLine1:       "3 Elmwood Grove",
		Town:               "Southsea",
		Postcode:           "PO5 2NR",
		Capacity:           20,
		AccessibilityNotes: "Step-free access by the side entrance, which has a ramp and a door bell. The training room is on the ground floor and has a portable hearing loop. There is an accessible toilet and baby changing facilities.",
		Directions:         "Buses to Southsea stop a 5-minute walk away. Portsmouth and Southsea station is about 20 minutes on foot. There is no car park, and nearby streets are in a residents' permit zone.",
	},
	{
		Name:               "Fareham Learning Hub",
		AddressLine1:       "Suite 2, Quay House",
		AddressLine2:       "41 West Meon Road",
		Town:               "Fareham",
		Postcode:           "PO16 0BX",
		Capacity:           28,
		AccessibilityNotes: "Step-free access and a lift to all floors. The training suite has a hearing loop and adjustable lighting. There is an accessible toilet on each floor.",
		Directions:         "Fareham station is a 10-minute walk and Fareham bus station is a 5-minute walk. There is a multi-storey pay and display car park next door with Blue Badge spaces on the ground floor.",
	},
	{
		Name:               "Microsoft Teams",
		Online:             true,
		AccessibilityNotes: "You can turn on live captions in Teams. You can join in a web browser without installing the app, or by phone using the dial-in number in your joining email. Tell us before the course if you need a British Sign Language interpreter or any other adjustment.",
	},
}
