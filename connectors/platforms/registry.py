"""Channel name → connector, built from the settings."""

from __future__ import annotations

from connectors.platforms._alexa_signature import AlexaSignatureVerifier
from connectors.platforms.alexa import AlexaConnector
from connectors.platforms.base import Connector
from connectors.platforms.dialogflow import DialogflowConnector
from connectors.platforms.email import EmailConnector
from connectors.platforms.messenger import MessengerConnector
from connectors.platforms.slack import SlackConnector
from connectors.platforms.sms import TwilioSmsConnector
from connectors.platforms.twilio_voice import TwilioVoiceConnector
from connectors.platforms.whatsapp import WhatsAppConnector
from connectors.platforms.widget import WidgetConnector
from connectors.platforms.x import XConnector
from graph.config import Settings


def build_connectors(settings: Settings) -> dict[str, Connector]:
    """Every connector; each is `enabled` only when its secret is set (or webhooks are insecure)."""
    insecure = settings.insecure_webhooks
    connectors: list[Connector] = [
        WidgetConnector("web", settings.web_secret, insecure),
        WidgetConnector("mobile", settings.mobile_secret, insecure),
        WhatsAppConnector(settings.whatsapp_app_secret, settings.whatsapp_verify_token, insecure),
        MessengerConnector(
            settings.messenger_app_secret, settings.messenger_verify_token, insecure
        ),
        TwilioSmsConnector(settings.twilio_auth_token, settings.public_url, insecure),
        TwilioVoiceConnector(
            settings.twilio_auth_token,
            settings.public_url,
            insecure,
            greeting=settings.phone_greeting,
        ),
        SlackConnector(settings.slack_signing_secret, insecure),
        EmailConnector(settings.email_token, insecure),
        AlexaConnector(
            settings.alexa_skill_id,
            insecure,
            signatures=AlexaSignatureVerifier() if settings.alexa_verify_signatures else None,
        ),
        DialogflowConnector(settings.dialogflow_token, insecure),
        XConnector(settings.x_consumer_secret, insecure),
    ]
    return {connector.channel: connector for connector in connectors}
