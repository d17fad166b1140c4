"""FastAGI: the PBX asks, Hotline answers (routing, the voice menu, self-service, messages,
the keypad survey). ``protocol`` speaks AGI, ``scripts`` holds what each script does,
``server`` runs them (``hotline telephony agi``)."""
