"""Channel name → connector, built from the settings."""

from __future__ import annotations

from connectors._alexa_signature import AlexaSignatureVerifier
from connectors.alexa import AlexaConnector
from connectors.base import Connector
from connectors.dialogflow import DialogflowConnector
from connectors.email import EmailConnector
from connectors.messenger import MessengerConnector
from connectors.slack import SlackConnector
from connectors.sms import TwilioSmsConnector
from connectors.twilio_voice import TwilioVoiceConnector
from connectors.whatsapp import WhatsAppConnector
from connectors.widget import WidgetConnector
from connectors.x import XConnector
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
