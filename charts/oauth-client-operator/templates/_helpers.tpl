{{/* The chart name, or nameOverride. */}}
{{- define "oco.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The prefix of every object name: fullnameOverride, else the release name
with the chart name appended unless it already contains it. */}}
{{- define "oco.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "oco.selectorLabels" -}}
app.kubernetes.io/name: {{ include "oco.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "oco.labels" -}}
{{ include "oco.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- define "oco.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "oco.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "oco.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}
{{- end -}}

{{/* oco.rules reads the rules of an RBAC file under files/rbac, a copy of
config/rbac that a test keeps equal to it. */}}
{{- define "oco.rules" -}}
{{- $doc := .root.Files.Get (printf "files/rbac/%s" .file) | fromYaml -}}
{{- if not $doc.rules -}}
{{- fail (printf "files/rbac/%s has no rules" .file) -}}
{{- end -}}
{{- toYaml $doc.rules -}}
{{- end -}}
