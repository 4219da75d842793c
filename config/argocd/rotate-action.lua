-- Argo CD action "rotate" for OAuthClient: sets the on-demand rotation
-- annotation to a fresh value (the time, as kubectl oauthclient rotate
-- does), which the operator acts on exactly once.
if obj.metadata.annotations == nil then
  obj.metadata.annotations = {}
end
obj.metadata.annotations["oauth.clientoperator.io/rotate-requested-at"] = os.date("!%Y-%m-%dT%H:%M:%SZ")
return obj
