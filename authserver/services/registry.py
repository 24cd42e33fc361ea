"""Which function serves each call of the contracts' service table."""

from authserver.services.account import delete_account
from authserver.services.admin.actions import (
    admin_delete_user,
    admin_disable_user,
    admin_enable_user,
    admin_end_sessions,
    admin_reset_second_factors,
    admin_verify_user,
)
from authserver.services.admin.directory import admin_list_users, admin_show_user
from authserver.services.email_change import change_email, confirm_email
from authserver.services.health import health
from authserver.services.login import login
from authserver.services.my_sessions import (
    list_sessions,
    logout_all,
    revoke_other_sessions,
    revoke_session,
)
from authserver.services.passkeys import (
    list_passkeys,
    passkey_login,
    passkey_login_options,
    passkey_register,
    passkey_register_options,
    remove_passkey,
)
from authserver.services.password import change_password, forgot_password, reset_password
from authserver.services.second_factor import login_second_factor
from authserver.services.sessions import logout, me
from authserver.services.signup import signup
from authserver.services.totp import (
    regenerate_recovery_codes,
    second_factor_status,
    totp_confirm,
    totp_disable,
    totp_enrol,
)
from authserver.services.verification import resend_verification, verify_email

SERVICES = {
    "health": health,
    "signup": signup,
    "verify_email": verify_email,
    "login": login,
    "resend_verification": resend_verification,
    "me": me,
    "logout": logout,
    "forgot_password": forgot_password,
    "reset_password": reset_password,
    "change_password": change_password,
    "change_email": change_email,
    "confirm_email": confirm_email,
    "list_sessions": list_sessions,
    "revoke_session": revoke_session,
    "revoke_other_sessions": revoke_other_sessions,
    "logout_all": logout_all,
    "delete_account": delete_account,
    "login_second_factor": login_second_factor,
    "second_factor_status": second_factor_status,
    "totp_enrol": totp_enrol,
    "totp_confirm": totp_confirm,
    "totp_disable": totp_disable,
    "regenerate_recovery_codes": regenerate_recovery_codes,
    "admin_list_users": admin_list_users,
    "admin_show_user": admin_show_user,
    "admin_disable_user": admin_disable_user,
    "admin_enable_user": admin_enable_user,
    "admin_verify_user": admin_verify_user,
    "admin_end_sessions": admin_end_sessions,
    "admin_reset_second_factors": admin_reset_second_factors,
    "admin_delete_user": admin_delete_user,
    "passkey_register_options": passkey_register_options,
    "passkey_register": passkey_register,
    "list_passkeys": list_passkeys,
    "remove_passkey": remove_passkey,
    "passkey_login_options": passkey_login_options,
    "passkey_login": passkey_login,
}
