"""Every error code the product answers with, in one place (RFC 7807 ``code``, ADR 0008).

Codes are part of the API: they never change once shipped. A new code is added here first;
``tests/core/test_error_codes.py`` reads the source and fails on a code that is not listed.
Grouped by the part of the product that raises them.
"""

from __future__ import annotations

from typing import Final

ERROR_CODES: Final[frozenset[str]] = frozenset(
    {
        # api
        "no_change",
        "already_rated",
        "rating_not_open",
        "policy_pack_invalid",
        "conflicting_fields",
        "contact_required",
        "file_required",
        "invalid",
        "invalid_credentials",
        "start_out_of_range",
        # calendar
        "calendar_import_empty",
        "calendar_import_invalid",
        "calendar_import_unreadable",
        "invalid_deadline",
        "invalid_range",
        "out_of_range",
        "range_too_long",
        # callers
        "blocklist_already_active",
        "blocklist_already_decided",
        "blocklist_forbidden",
        "blocklist_not_active",
        "blocklist_request_pending",
        "caller_blocked",
        "expires_in_past",
        "own_request",  # the requester of a blocklist entry never decides it
        "phone_required",
        "reason_required",
        # core
        "configuration",
        "conflict",
        "forbidden",
        "invalid_phone",
        "invalid_transition",
        "not_found",
        "rule_violation",
        "too_many_requests",
        "too_many_login_failures",  # a locked-out login at any door (django-axes)
        # followup
        "invalid_outcome",
        "note_too_long",
        "role_not_allowed",
        "visit_closed",
        # notify
        "unknown_notification_kind",
        # policies
        "invalid_severity",
        "policy_dir_missing",
        "unknown_policy_pack",
        "unknown_stage",
        "unknown_ticket_type",
        # portal
        "attachments_too_large",
        "occurred_in_future",
        "occurred_out_of_range",
        "satisfaction_required",
        "ticket_not_found",
        "too_many_code_failures",
        "too_many_files",
        # knowledge
        "answers_incomplete",  # a script's question left unanswered
        "body_required",
        "body_too_long",
        "invalid_action",
        "invalid_answers",
        "invalid_feedback",
        "invalid_script",  # a script's questions, rules or outcomes are not well-formed
        "kb_conflict",  # an article edited since the editor opened it
        "kb_forbidden",
        "kb_wrong_status",
        "list_too_long",
        "script_required",
        "title_required",
        "title_too_long",
        "unknown_script",  # answer_script names a script that is missing or not the user's
        # rectification
        "invalid_days",
        "invalid_problem",
        "invalid_report",
        "invalid_requirement",
        "invalid_subject",
        "problem_required",
        "problem_too_long",
        "rectification_forbidden",
        "rectification_not_found",
        "rectification_wrong_status",
        "report_required",
        "report_too_long",
        "requirement_required",
        "requirement_too_long",
        "subject_too_long",
        # reports (statistics)
        "stats_date_required",
        "stats_duplicate_dimension",
        "stats_forbidden",
        "stats_invalid_cell",
        "stats_invalid_date",
        "stats_invalid_filter",
        "stats_invalid_parameter",
        "stats_measure_required",
        "stats_one_measure",
        "stats_too_many_dimensions",
        "stats_unknown_dimension",
        "stats_unknown_measure",
        # search
        "invalid_page",
        "search_date_invalid",
        "search_filter_invalid",
        "search_kind_invalid",
        "search_query_empty",
        "search_query_too_long",
        "search_term_too_short",  # a term without a Chinese character needs three characters
        # tickets
        "attachment_content_mismatch",  # the bytes are not of the type the name claims
        "attachment_empty",
        "attachment_too_large",
        "attachment_type",
        "ticket_closed",
        # web
        "attachment_forbidden",
        "attachment_not_found",
        "blocklist_not_found",
        "extension_forbidden",
        "no_intake_role",
        "result_required",
        "spot_close_unavailable",
        "ticket_moved_away",
        "too_many_attempts",
        "unknown_action",
        "version_required",
        "visit_not_found",
        "visit_required",
        # workflow
        "acceptance_window_expired",
        "action_not_applicable",
        "amount_required",
        "closing_code_required",
        "closing_code_too_long",
        "comment_required",
        "comment_too_long",
        "description_required",
        "extension_count_exceeded",
        "extension_not_allowed",
        "extension_pending",
        "extension_too_late",
        "extension_total_exceeded",
        "handler_required",
        "handler_too_long",
        "identity_forbidden",
        "instruction_required",
        "instruction_too_long",
        "invalid_amount",
        "invalid_category",
        "invalid_channel",
        "invalid_closing_code",
        "invalid_comment",
        "invalid_customer_class",
        "invalid_handler",
        "invalid_instruction",
        "invalid_link",
        "invalid_link_kind",
        "invalid_reason",
        "invalid_result",
        "invalid_type",
        "invalid_unit",
        "no_intake_unit",
        "no_on_the_spot_close",
        "no_pending_extension",
        "no_reply_to_review",
        "reason_too_long",
        "received_in_future",
        "received_too_old",
        "result_too_long",
        "rounds_exhausted",
        "source_too_long",
        "stale_version",
        "subject_required",
        "unit_out_of_scope",
        "unit_required",
        "unknown_field",  # a key a door handed the draft builder that no field takes
    }
)
