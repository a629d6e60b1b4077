"""Personal data of a customer across every domain: the GDPR erasure and the access export."""
