-- Argo CD health check for oauth.clientoperator.io OAuthClient, AuthServer
-- and ClusterAuthServer (the same script serves the three kinds). Tested in
-- health_test.go; installed by argocd-cm.yaml; docs/operations.md#argo-cd.
--
--   Progressing  the operator has not yet reported on this generation, the
--                object is being deleted, or it waits for its server or a
--                rate limit
--   Healthy      Ready is True
--   Suspended    an OAuthClient with spec.disabled: true (Ready, reason Disabled)
--   Degraded     Ready is False for a reason that needs a person: the
--                condition's message says what to change
local hs = {status = "Progressing", message = "Waiting for the operator to report status"}

-- Reasons that resolve themselves: not (yet) a failure.
local waiting = {CredentialsSourceMissing = true, Deleting = true, RateLimited = true, ServerNotReady = true}

if obj.metadata ~= nil and obj.metadata.deletionTimestamp ~= nil then
  hs.message = "Being deleted"
  return hs
end
if obj.status == nil or obj.status.conditions == nil then
  return hs
end
local generation = obj.metadata.generation or 0
if (obj.status.observedGeneration or 0) < generation then
  hs.message = "Waiting for the operator to reconcile generation " .. generation
  return hs
end
for _, c in ipairs(obj.status.conditions) do
  if c.type == "Ready" then
    local reason = c.reason or ""
    local message = c.message or ""
    if (c.observedGeneration or generation) < generation then
      hs.message = "Waiting for the operator to reconcile generation " .. generation
    elseif c.status == "True" and reason == "Disabled" then
      hs.status = "Suspended"
      hs.message = message
    elseif c.status == "True" then
      hs.status = "Healthy"
      hs.message = message
    elseif c.status == "False" and not waiting[reason] then
      hs.status = "Degraded"
      hs.message = reason .. ": " .. message
    else
      hs.message = reason .. ": " .. message
    end
    return hs
  end
end
return hs
