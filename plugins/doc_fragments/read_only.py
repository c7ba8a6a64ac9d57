# -*- coding: utf-8 -*-
# Copyright: kyma.mtls contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # Modules that only read certificates: kyma.mtls.certificate_info and kyma.mtls.xfcc_info.
    DOCUMENTATION = r"""
requirements:
  - cryptography >= 42.0 on the host that runs the module
attributes:
  check_mode:
    support: full
    description: The module changes nothing; it runs the same in check mode.
  diff_mode:
    support: none
    description: There is nothing to compare; the module only reads.
  idempotent:
    support: full
    description: It only reads.
"""
