-- Argo CD action discovery for OAuthClient: offers "rotate" (greyed out
-- for a disabled client, which is never rotated).
local actions = {}
actions["rotate"] = {disabled = obj.spec ~= nil and obj.spec.disabled == true}
return actions
