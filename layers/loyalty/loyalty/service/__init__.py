"""Operations: read the state, let the domain decide, write one transaction, publish. Retries live here."""
