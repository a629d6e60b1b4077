"""The words of the shopper pages, in French (the default) and US English.

A plain catalog rather than gettext files: two languages, a few dozen strings, all reviewed together.
Placeholders use `str.format` names; values are escaped by Jinja2 when rendered.
"""

from __future__ import annotations

from collections.abc import Callable

from kohort.kit.formatting import ENGLISH, FRENCH

MESSAGES: dict[str, dict[str, str]] = {
    "test_banner": {FRENCH: "Environnement de test : aucun argent réel ne circule.",
                    ENGLISH: "Test environment: no real money moves."},
    "group_title": {FRENCH: "Le kohort de {owner}", ENGLISH: "{owner}'s kohort"},
    "group_intro": {FRENCH: "Invitez vos amis chez {shop} : plus vous êtes nombreux, plus chacun reçoit de cashback.",
                    ENGLISH: "Invite your friends to {shop}: the more of you there are, the more cashback each one gets."},
    "share_code": {FRENCH: "Code de parrainage", ENGLISH: "Referral code"},
    "copy": {FRENCH: "Copier", ENGLISH: "Copy"},
    "copied": {FRENCH: "Copié !", ENGLISH: "Copied!"},
    "status": {FRENCH: "Statut", ENGLISH: "Status"},
    "status_OPEN": {FRENCH: "En cours", ENGLISH: "Open"},
    "status_COMPLETED": {FRENCH: "Terminé : cashback débloqué", ENGLISH: "Completed: cashback unlocked"},
    "status_EXPIRED": {FRENCH: "Terminé sans ami : pas de cashback", ENGLISH: "Ended without friends: no cashback"},
    "status_CANCELED": {FRENCH: "Annulé", ENGLISH: "Canceled"},
    "time_left": {FRENCH: "Temps restant", ENGLISH: "Time left"},
    "ended_on": {FRENCH: "Terminé le {date}", ENGLISH: "Ended on {date}"},
    "ends_on": {FRENCH: "Jusqu'au {date}", ENGLISH: "Until {date}"},
    "days_short": {FRENCH: "j", ENGLISH: "d"},
    "ladder": {FRENCH: "Parrainez pour gagner plus", ENGLISH: "Refer to earn more"},
    "friends": {FRENCH: "{count} ami", ENGLISH: "{count} friend"},
    "friends_plural": {FRENCH: "{count} amis", ENGLISH: "{count} friends"},
    "currently": {FRENCH: "Actuellement", ENGLISH: "Currently"},
    "cashback_of_order": {FRENCH: "{value} de cashback", ENGLISH: "{value} cashback"},
    "next_level": {FRENCH: "Encore {count} ami(s) pour atteindre {value}.",
                   ENGLISH: "{count} more friend(s) to reach {value}."},
    "top_level": {FRENCH: "Niveau maximum atteint, bravo !", ENGLISH: "Top level reached, well done!"},
    "participants": {FRENCH: "Participants", ENGLISH: "Participants"},
    "order_amount": {FRENCH: "Commande", ENGLISH: "Order"},
    "cashback": {FRENCH: "Cashback", ENGLISH: "Cashback"},
    "provisional": {FRENCH: "provisoire", ENGLISH: "provisional"},
    "final": {FRENCH: "définitif", ENGLISH: "final"},
    "owner_badge": {FRENCH: "créateur", ENGLISH: "owner"},
    "invite": {FRENCH: "Inviter", ENGLISH: "Invite"},
    "invite_title": {FRENCH: "Invitez vos amis", ENGLISH: "Invite your friends"},
    "share_link": {FRENCH: "Lien à partager", ENGLISH: "Link to share"},
    "whatsapp": {FRENCH: "WhatsApp", ENGLISH: "WhatsApp"},
    "email": {FRENCH: "E-mail", ENGLISH: "Email"},
    "sms": {FRENCH: "SMS", ENGLISH: "SMS"},
    "invite_message": {
        FRENCH: ("Salut ! Je t'invite chez {shop} : avec mon code {code}, on gagne tous les deux jusqu'à {max} "
                 "de cashback. 1) Va sur {site} 2) Commande avec le code {code}{minimum} 3) Reçois ton cashback "
                 "à la fin du kohort. Détails : {link}"),
        ENGLISH: ("Hi! Join me at {shop}: with my code {code} we both earn up to {max} cashback. 1) Go to {site} "
                  "2) Order with the code {code}{minimum} 3) Get your cashback when the kohort ends. "
                  "Details: {link}"),
    },
    "invite_minimum": {FRENCH: " (dès {amount} d'achat)", ENGLISH: " (from {amount})"},
    "email_subject": {FRENCH: "Du cashback chez {shop}", ENGLISH: "Cashback at {shop}"},
    "invited_title": {FRENCH: "{owner} vous invite chez {shop}", ENGLISH: "{owner} invites you to {shop}"},
    "invited_how": {FRENCH: "Comment ça marche", ENGLISH: "How it works"},
    "invited_step1": {FRENCH: "Faites vos achats sur {site}.", ENGLISH: "Shop at {site}."},
    "invited_step2": {FRENCH: "Saisissez ce code lors de votre commande :", ENGLISH: "Enter this code when you order:"},
    "invited_step3": {FRENCH: "À la fin du kohort, vous recevez votre cashback par virement.",
                      ENGLISH: "When the kohort ends, you receive your cashback by bank transfer."},
    "minimum_purchase": {FRENCH: "Achat minimum", ENGLISH: "Minimum purchase"},
    "no_minimum": {FRENCH: "Aucun minimum", ENGLISH: "No minimum"},
    "reachable": {FRENCH: "Cashback dès votre commande", ENGLISH: "Cashback as soon as you order"},
    "reachable_max": {FRENCH: "Jusqu'à", ENGLISH: "Up to"},
    "go_shop": {FRENCH: "Aller sur la boutique", ENGLISH: "Go to the shop"},
    "group_closed": {FRENCH: "Ce kohort est terminé : le code ne peut plus être utilisé.",
                     ENGLISH: "This kohort has ended: the code can no longer be used."},
    "not_found_title": {FRENCH: "Page introuvable", ENGLISH: "Page not found"},
    "not_found_text": {FRENCH: "Ce lien ne correspond à aucun kohort. Vérifiez le code ou demandez un nouveau lien.",
                       ENGLISH: "This link does not match any kohort. Check the code or ask for a new link."},
    "withdraw_title": {FRENCH: "Retirez votre cashback", ENGLISH: "Withdraw your cashback"},
    "withdraw_thanks": {FRENCH: "Merci pour votre commande chez {shop} et d'avoir parrainé vos amis.",
                        ENGLISH: "Thank you for your order at {shop} and for referring your friends."},
    "available_cashback": {FRENCH: "Votre cashback disponible", ENGLISH: "Your available cashback"},
    "order_ref": {FRENCH: "Commande du {date} : {amount}", ENGLISH: "Order of {date}: {amount}"},
    "bank_details": {FRENCH: "Mes coordonnées bancaires", ENGLISH: "My bank details"},
    "holder_name": {FRENCH: "Titulaire du compte", ENGLISH: "Account holder"},
    "iban": {FRENCH: "IBAN", ENGLISH: "IBAN"},
    "withdraw_button": {FRENCH: "Retirer mon cashback disponible", ENGLISH: "Withdraw my available cashback"},
    "withdraw_terms": {FRENCH: "En retirant votre cashback, vous acceptez les conditions d'utilisation.",
                       ENGLISH: "By withdrawing your cashback you accept the terms of use."},
    "sent_title": {FRENCH: "Votre cashback a été envoyé", ENGLISH: "Your cashback has been sent"},
    "sent_text": {FRENCH: "Vous le recevrez sur le compte {iban} d'ici quelques jours.",
                  ENGLISH: "You will receive it on account {iban} within a few days."},
    "sent_amount": {FRENCH: "Montant cashback envoyé", ENGLISH: "Cashback amount sent"},
    "paid_title": {FRENCH: "Votre cashback a été versé", ENGLISH: "Your cashback has been paid"},
    "paid_text": {FRENCH: "Le virement a été exécuté vers le compte {iban}.",
                  ENGLISH: "The transfer was executed to account {iban}."},
    "invalid_title": {FRENCH: "Lien invalide", ENGLISH: "Invalid link"},
    "invalid_text": {FRENCH: "Ce lien de retrait n'est pas ou plus valide. Utilisez le lien du dernier e-mail reçu.",
                     ENGLISH: "This withdrawal link is not valid, or no longer. Use the link in the latest email you received."},
    "HOLDER_NAME_REQUIRED": {FRENCH: "Indiquez le nom du titulaire du compte.", ENGLISH: "Enter the account holder's name."},
    "IBAN_REQUIRED": {FRENCH: "Indiquez votre IBAN.", ENGLISH: "Enter your IBAN."},
    "IBAN_INVALID": {FRENCH: "Le format de l'IBAN n'est pas valide.", ENGLISH: "The IBAN format is not valid."},
    "IBAN_INVALID_CHECKSUM": {FRENCH: "Cet IBAN n'est pas valide : vérifiez qu'il n'y a pas de faute de frappe.",
                              ENGLISH: "This IBAN is not valid: check it for a typo."},
    "IBAN_NOT_SEPA": {FRENCH: "Le compte doit se trouver dans la zone SEPA.",
                      ENGLISH: "The account must be in the SEPA zone."},
    "PAYOUT_ACCOUNT_MISSING": {FRENCH: "Le marchand n'a pas encore configuré ses virements. Réessayez plus tard.",
                               ENGLISH: "The merchant has not set up transfers yet. Please try again later."},
    "generic_error": {FRENCH: "Une erreur est survenue. Réessayez plus tard.",
                      ENGLISH: "Something went wrong. Please try again later."},
    "powered_by": {FRENCH: "Propulsé par Kohort", ENGLISH: "Powered by Kohort"},
}


def translator(locale: str) -> Callable[..., str]:
    """`t("key", name=value)` in the page's language."""

    def t(key: str, **values: object) -> str:
        texts = MESSAGES.get(key)
        if texts is None:
            return key
        text = texts.get(locale) or texts[FRENCH]
        return text.format(**values) if values else text

    return t
