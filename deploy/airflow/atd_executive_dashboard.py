"""Example Airflow DAGs running the dashboard jobs from the container image.

One image (the repository's Dockerfile) holds every job; each task runs one
job in its own pod: the pod's arguments are the job's name and flags. The
schedules are the ones the City runs today (America/Chicago):

  permits    02:00 nightly  amanda_to_s3 (five queries) and smartsheet_to_s3,
                            then active_permits and row_data_summary
  metadata   04:00 daily    socrata_metadata
  3-1-1      09:36 daily    csr_to_socrata and flex_notes_to_socrata, once per
                            fiscal-year report endpoint
  finance    11:00 daily    finance_reports_to_s3, then finance_reports_to_socrata

Exit codes: 1 is a failure while working (a source or destination failed):
Airflow retries it. 2 is a usage or configuration error found before any
work started: retrying cannot help, so DashboardJob fails the task at once.

Settings come from Kubernetes objects, never from this file: one Secret per
system (keys named as the jobs' environment variables, see docs/DEPLOY.md)
and the ConfigMap atd-exec-dash-datasets with the dataset ids. The image
sets DASHBOARD_MODE=live, so a missing secret is exit 2 naming it, never a
run on the embedded sample.

This file is an example to adapt (image, namespace, secret names, the
fiscal-year endpoints); CI only byte-compiles it.
"""

from __future__ import annotations

import pendulum
from airflow import DAG
from airflow.exceptions import AirflowException, AirflowFailException
from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator
from kubernetes.client import models as k8s

IMAGE = "registry.example.org/atd-executive-dashboard:latest"  # built from the Dockerfile
NAMESPACE = "atd-executive-dashboard"
CHICAGO = pendulum.timezone("America/Chicago")

# Exit code 2: a usage or configuration error; never retried.
NO_RETRY_EXIT_CODE = 2

# Memory to reserve per job (docs/DEPLOY.md says what was measured).
MEMORY = {
    "amanda_to_s3": "128Mi",
    "smartsheet_to_s3": "128Mi",
    "active_permits": "64Mi",
    "row_data_summary": "64Mi",
    "csr_to_socrata": "128Mi",
    "flex_notes_to_socrata": "256Mi",
    "finance_reports_to_s3": "128Mi",
    "finance_reports_to_socrata": "128Mi",
    "socrata_metadata": "64Mi",
}

# Secrets each job reads (Kubernetes Secret names; keys are variable names).
S3_EXEC_DASH = "atd-exec-dash-s3"  # BUCKET_NAME, EXEC_DASH_ACCESS_ID, EXEC_DASH_PASS
S3_FINANCE = "atd-exec-dash-s3-finance"  # BUCKET_NAME, AWS_ACCESS_KEY, AWS_SECRET_ACCESS_KEY
SOCRATA = "atd-exec-dash-socrata"  # SO_WEB, SO_TOKEN, SO_KEY, SO_SECRET
AMANDA = "atd-exec-dash-amanda"  # HOST, PORT, SERVICE_NAME, DB_USER, DB_PASS
SMARTSHEET = "atd-exec-dash-smartsheet"  # SMARTSHEET_ACCESS_TOKEN
MSTR = "atd-exec-dash-mstr"  # BASE_URL, MSTRO_USERNAME, MSTRO_PASSWORD, PROJECT_ID
DATASETS = "atd-exec-dash-datasets"  # ConfigMap: ACTIVE_DATASET, WEEK_DATASET, ...

# The 3-1-1 report endpoints, one per fiscal year (ConfigMap keys holding
# CSR_ENDPOINT / FLEX_NOTE_ENDPOINT values for each year).
FISCAL_YEARS = ["fy2025", "fy2026"]


def _exit_code(pod: k8s.V1Pod | None) -> int | None:
    """The exit code of the job's container in a finished pod, if known."""
    statuses = (pod.status.container_statuses or []) if pod is not None and pod.status else []
    for status in statuses:
        if status.name == "base" and status.state and status.state.terminated:
            return status.state.terminated.exit_code
    return None


class DashboardJob(KubernetesPodOperator):
    """Runs one job of the image; exit code 2 fails the task without retries."""

    def __init__(self, *, job: str, args: list[str] | None = None, secrets: list[str], env: dict[str, str] | None = None, **kwargs):
        sources = [k8s.V1EnvFromSource(secret_ref=k8s.V1SecretEnvSource(name=s)) for s in secrets]
        sources.append(k8s.V1EnvFromSource(config_map_ref=k8s.V1ConfigMapEnvSource(name=DATASETS)))
        memory = MEMORY[job]
        super().__init__(
            name=job.replace("_", "-"),
            namespace=NAMESPACE,
            image=IMAGE,
            arguments=[job, "--log-json", *(args or [])],
            env_from=sources,
            env_vars=[k8s.V1EnvVar(name=k, value=v) for k, v in (env or {}).items()],
            container_resources=k8s.V1ResourceRequirements(
                requests={"memory": memory, "cpu": "250m"},
                limits={"memory": memory},
            ),
            get_logs=True,
            **kwargs,
        )

    def cleanup(self, pod, remote_pod):
        code = _exit_code(remote_pod)
        try:
            return super().cleanup(pod, remote_pod)
        except AirflowException as err:
            if code == NO_RETRY_EXIT_CODE:
                raise AirflowFailException(
                    f"{self.task_id}: exit code 2, a configuration or usage error (see the log's final record); not retried"
                ) from err
            raise


DEFAULTS = {
    "owner": "atd-data",
    "retries": 2,
    "retry_delay": pendulum.duration(minutes=10),
}


def dashboard_dag(dag_id: str, schedule: str) -> DAG:
    """One of the dashboard's DAGs: a cron schedule in America/Chicago, no catch-up."""
    return DAG(
        dag_id=dag_id,
        schedule=schedule,
        start_date=pendulum.datetime(2026, 1, 1, tz=CHICAGO),
        catchup=False,
        default_args=DEFAULTS,
        tags=["atd-executive-dashboard"],
    )

with dashboard_dag("atd_exec_dash_permits", "0 2 * * *") as permits:
    queries = [
        DashboardJob(task_id=f"amanda_{q}", job="amanda_to_s3", args=["--query", q], secrets=[AMANDA, S3_EXEC_DASH])
        for q in ["applications_received", "issued_permits", "active_permits", "review_time", "ex_permits_issued"]
    ]
    sheets = DashboardJob(task_id="smartsheet_to_s3", job="smartsheet_to_s3", secrets=[SMARTSHEET, S3_EXEC_DASH])
    active = DashboardJob(task_id="active_permits", job="active_permits", secrets=[S3_EXEC_DASH, SOCRATA])
    weekly = DashboardJob(task_id="row_data_summary", job="row_data_summary", secrets=[S3_EXEC_DASH, SOCRATA])
    for upstream in [*queries, sheets]:
        upstream >> [active, weekly]

with dashboard_dag("atd_exec_dash_metadata", "0 4 * * *") as metadata:
    DashboardJob(task_id="socrata_metadata", job="socrata_metadata", secrets=[SOCRATA])

with dashboard_dag("atd_exec_dash_311", "36 9 * * *") as three_one_one:
    for fy in FISCAL_YEARS:
        endpoints = f"atd-exec-dash-311-{fy}"  # Secret: CSR_ENDPOINT, FLEX_NOTE_ENDPOINT of that year
        DashboardJob(task_id=f"csr_{fy}", job="csr_to_socrata", secrets=[SOCRATA, endpoints])
        DashboardJob(task_id=f"flex_notes_{fy}", job="flex_notes_to_socrata", secrets=[SOCRATA, endpoints])

with dashboard_dag("atd_exec_dash_finance", "0 11 * * *") as finance:
    to_s3 = DashboardJob(task_id="finance_reports_to_s3", job="finance_reports_to_s3", secrets=[MSTR, S3_FINANCE])
    to_socrata = DashboardJob(task_id="finance_reports_to_socrata", job="finance_reports_to_socrata", secrets=[S3_FINANCE, SOCRATA])
    to_s3 >> to_socrata
