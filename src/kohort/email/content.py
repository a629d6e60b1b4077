"""The words of each email, in French and US English, shaped as one structure the layout renders:
subject, preheader, greeting, paragraphs, details (label/value rows) and a call to action.

Money is formatted with Babel for the recipient's locale, durations with units in that language (the
original wrote French units even for English readers).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from kohort.kit import formatting as fmt

KINDS = ("group_created", "group_joined", "level_unlocked", "reminder", "cashback_available", "cashback_sent",
         "group_expired")


@dataclass
class EmailContent:
    subject: str
    heading: str
    paragraphs: list[str]
    cta_label: str | None = None
    cta_url: str | None = None
    details: list[tuple[str, str]] = field(default_factory=list)
    greeting: str | None = None


def _moment(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def duration(seconds: int, locale: str) -> str:
    """`3 jours et 4 heures` / `3 days and 4 hours`; minutes under an hour."""
    english = fmt.page_locale(locale) == fmt.ENGLISH
    days, rest = divmod(max(0, seconds), 86_400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60

    def unit(count: int, fr: str, en: str) -> str:
        word = en if english else fr
        return f"{count} {word}{'s' if count > 1 else ''}"

    parts = []
    if days:
        parts.append(unit(days, "jour", "day"))
    if hours:
        parts.append(unit(hours, "heure", "hour"))
    if not days and (minutes or not parts):
        parts.append(unit(minutes, "minute", "minute"))
    return (" and " if english else " et ").join(parts)


def _level(context: dict[str, Any], value: int | None, locale: str) -> str:
    if value is None:
        return ""
    if context.get("discount_type") == "AMOUNT":
        return fmt.money(value * 100, locale)
    return fmt.percent(value, locale)


def build(kind: str, locale: str, context: dict[str, Any]) -> EmailContent:
    """The content of email `kind` for a recipient reading `locale`."""
    en = fmt.page_locale(locale) == fmt.ENGLISH

    def money(cents: Any) -> str:  # the context's amounts, as the JSON job payload carried them
        return fmt.money(int(cents), locale)

    shop = context["brand"]["name"]
    first_name = context.get("first_name")
    greeting = (f"Hi {first_name}," if first_name else "Hi,") if en else (
        f"Bonjour {first_name}," if first_name else "Bonjour,")
    group = context.get("group") or {}
    code = group.get("share_id", "")
    group_url = group.get("url")
    owner = group.get("owner_name") or ("your friend" if en else "votre ami")
    max_level = _level(context, context.get("max_level_value"), locale)
    ends = _moment(group.get("expires_at"))
    ends_text = fmt.date_time(ends, locale) if ends else ""
    order = context.get("order") or {}
    order_date = _moment(order.get("created_at"))
    order_details = []
    if order:
        order_details = [
            ("Order" if en else "Commande", money(order["amount"])),
            ("Date", fmt.date(order_date, locale) if order_date else ""),
        ]
    invite = "Invite friends" if en else "Inviter mes amis"
    view = "View the kohort" if en else "Voir le kohort"
    next_level = context.get("next_level")  # {"friends": n, "value": v} or None
    next_line = None
    if next_level:
        value = _level(context, next_level["value"], locale)
        count = next_level["friends"]
        next_line = (f"{count} more friend{'s' if count > 1 else ''} to reach {value} cashback."
                     if en else f"Encore {count} ami{'s' if count > 1 else ''} pour atteindre {value} de cashback.")

    if kind == "group_created":
        first_level = _level(context, context.get("first_level_value"), locale)
        return EmailContent(
            subject=f"Earn cashback on your {shop} purchase 🔥" if en else f"Gagne du cashback suite à ton achat chez {shop} 🔥",
            heading=f"Up to {max_level} cashback at {shop}" if en else f"Jusqu'à {max_level} de cashback chez {shop}",
            greeting=greeting,
            paragraphs=[
                (f"Your order created your kohort. Share your code {code}: as soon as one friend orders with it "
                 f"before {ends_text}, you both unlock {first_level} cashback, and more with every friend.")
                if en else
                (f"Votre commande a créé votre kohort. Partagez votre code {code} : dès qu'un ami commande avec ce code "
                 f"avant le {ends_text}, vous débloquez tous les deux {first_level} de cashback, et plus à chaque ami."),
                ("Your friends can share the code too. When the kohort ends, everyone receives their cashback."
                 if en else "Vos amis peuvent aussi partager le code. À la fin du kohort, chacun reçoit son cashback."),
            ],
            details=[("Code", code), *order_details],
            cta_label=invite, cta_url=group_url,
        )
    if kind == "group_joined":
        cashback = money(context["cashback"])
        return EmailContent(
            subject=f"You already unlocked {cashback} cashback" if en else f"Tu as déjà débloqué {cashback} de cashback",
            heading=f"Welcome to {owner}'s kohort" if en else f"Bienvenue dans le kohort de {owner}",
            greeting=greeting,
            paragraphs=[
                (f"Thanks to {owner}'s code, your order at {shop} already earns {cashback} cashback."
                 if en else f"Grâce au code de {owner}, votre commande chez {shop} vous rapporte déjà {cashback} de cashback."),
                (f"Share the same code {code} with your friends: the more you are, the more everyone earns."
                 if en else f"Partagez le même code {code} avec vos amis : plus vous êtes nombreux, plus chacun gagne."),
                *([next_line] if next_line else []),
            ],
            details=[("Code", code), *order_details],
            cta_label=invite, cta_url=group_url,
        )
    if kind == "level_unlocked":
        level = _level(context, context.get("level_value"), locale)
        member = context.get("new_member_name") or ("a friend" if en else "un ami")
        return EmailContent(
            subject="A new cashback level is unlocked 🎯" if en else "Un nouveau palier de cashback est débloqué 🎯",
            heading=f"Everyone now earns {level}" if en else f"Chacun gagne maintenant {level}",
            greeting=greeting,
            paragraphs=[
                (f"Thanks to {member}, {owner}'s kohort at {shop} reached a new level: everyone now earns {level} cashback."
                 if en else f"Grâce à {member}, le kohort de {owner} chez {shop} a atteint un nouveau palier : "
                            f"chacun gagne maintenant {level} de cashback."),
                *([next_line] if next_line else []),
            ],
            details=[("Code", code)],
            cta_label=view, cta_url=group_url,
        )
    if kind == "reminder":
        last = context.get("stage") == "last"
        participants = int(context.get("participant_count", 1))
        left = duration(int(context.get("seconds_left", 0)), locale)
        if participants > 1:
            subject = (f"{participants} people in your kohort: keep going 🚀" if en
                       else f"{participants} participants dans ton kohort : continue 🚀")
        elif last:
            subject = "Final moments to claim your cashback ⏳" if en else "Derniers moments pour ton cashback ⏳"
        else:
            subject = "Still no cashback for you? 😮" if en else "Toujours pas de cashback pour toi ? 😮"
        first_level = _level(context, context.get("first_level_value"), locale)
        return EmailContent(
            subject=subject,
            heading=(f"{left} left to share your code" if en else f"Plus que {left} pour partager votre code"),
            greeting=greeting,
            paragraphs=[
                (f"After your order at {shop} you can unlock up to {max_level} cashback. Your kohort ends on {ends_text}."
                 if en else f"Après votre commande chez {shop}, vous pouvez débloquer jusqu'à {max_level} de cashback. "
                            f"Votre kohort se termine le {ends_text}."),
                (next_line if next_line else
                 (f"One friend ordering with your code {code} unlocks {first_level} for both of you."
                  if en else f"Un ami qui commande avec votre code {code} vous fait gagner {first_level} à tous les deux.")),
            ],
            details=[("Code", code), ("Participants", str(participants))],
            cta_label="Share my code now" if en else "Partager mon code", cta_url=group_url,
        )
    if kind == "cashback_available":
        cashback = money(context["cashback"])
        retry = context.get("retry")
        return EmailContent(
            subject="One last step before your cashback 💸" if en else "Une dernière étape avant ton cashback 💸",
            heading=f"{cashback} of cashback for you" if en else f"{cashback} de cashback pour vous",
            greeting=greeting,
            paragraphs=[
                *([("Your previous transfer could not be made. Please enter your IBAN again."
                    if en else "Le virement précédent n'a pas pu être effectué. Merci de saisir à nouveau votre IBAN.")]
                  if retry else []),
                (f"Your order at {shop} unlocked {cashback} cashback. Enter your IBAN so we can send it by bank "
                 "transfer; it arrives within a few days." if en else
                 f"Votre commande chez {shop} vous a fait gagner {cashback} de cashback. Indiquez votre IBAN pour "
                 "le recevoir par virement : il arrive sous quelques jours."),
                ("This link is personal and works once." if en else "Ce lien est personnel et ne sert qu'une fois."),
            ],
            details=order_details,
            cta_label="Withdraw my cashback" if en else "Retirer mon cashback",
            cta_url=context["withdrawal_url"],
        )
    if kind == "cashback_sent":
        cashback = money(context["cashback"])
        return EmailContent(
            subject="Your cashback is on its way 😎" if en else "Ton cashback est en route 😎",
            heading=f"{cashback} sent to your account" if en else f"{cashback} envoyés sur votre compte",
            greeting=greeting,
            paragraphs=[
                (f"The transfer of your cashback from {shop} to {context.get('iban_masked', '')} was executed; it "
                 "will appear on your account within a few days." if en else
                 f"Le virement de votre cashback {shop} vers {context.get('iban_masked', '')} a été exécuté ; il "
                 "apparaîtra sur votre compte d'ici quelques jours."),
                (f"Order again at {shop} to start a new kohort." if en
                 else f"Commandez à nouveau chez {shop} pour lancer un nouveau kohort."),
            ],
            details=order_details,
            cta_label=view, cta_url=group_url,
        )
    if kind == "group_expired":
        return EmailContent(
            subject="Your referral period has ended, maybe next time 😭" if en
            else "La période de parrainage est terminée, ce sera pour la prochaine fois 😭",
            heading="No cashback this time" if en else "Pas de cashback cette fois",
            greeting=greeting,
            paragraphs=[
                ("No friend ordered with your code before the end of your kohort, so there is no cashback."
                 if en else "Aucun ami n'a commandé avec votre code avant la fin de votre kohort : pas de cashback."),
                (f"Order again at {shop} to start a new kohort and invite your friends." if en
                 else f"Commandez à nouveau chez {shop} pour lancer un nouveau kohort et inviter vos amis."),
            ],
            details=order_details,
            cta_label=view, cta_url=group_url,
        )
    raise ValueError(f"unknown email kind {kind!r}")
